# The CPU quickstart with the final presence read-out on the part features
# f_i^p = sum_p R_i(p) F_m(p) instead of the prototypes' decoder outputs
# (presence_from='part'), so the location-free presence loss reaches the
# part response maps only through where they look; docs/lofr.md, decision 8
# and measurements.
_base_ = ['./td-lf_lofr-r18_1xb32-2e_synthpose-128x96.py']

model = dict(head=dict(presence_from='part'))
