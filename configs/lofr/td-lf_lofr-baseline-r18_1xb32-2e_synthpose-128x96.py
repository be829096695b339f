# The location-free baseline on the CPU quickstart (same data, budget and
# size as td-lf_lofr-r18_1xb32-2e_synthpose-128x96.py): no SPE (a learned
# position embedding), the 1/16 level only, learned prototypes, no part
# diversity loss (Table 5 row 1).
_base_ = ['./td-lf_lofr-r18_1xb32-2e_synthpose-128x96.py']

model = dict(
    head=dict(
        spe=False,
        multi_scale=False,
        reppg=False,
        loss_weights=dict(alpha=0.2, alpha1=0.2, alpha2=0.5, beta=0.)))
