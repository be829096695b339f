# The CPU quickstart TFPose without the auxiliary heatmap loss (L_reg only):
# Table 4 / Fig. 5's comparison on SynthPose, same data, schedule and budget
# as td-reg_tfpose-r18-e2d3_1xb32-2e_synthpose-128x96.py.
_base_ = ['./td-reg_tfpose-r18-e2d3_1xb32-2e_synthpose-128x96.py']

model = dict(head=dict(aux_head=None))
