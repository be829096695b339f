# TFPose ablation, Table 1 without query-to-query attention: ResNet-18,
# N_E = 0, N_D = 6, no self-attention among the keypoint queries in any
# decoder layer (3.51 GFLOPs, 63.2 COCO val AP).
_base_ = ['./td-reg_tfpose-r18-e0d6_4xb32-210e_coco-256x192.py']

model = dict(head=dict(query_decoder=dict(q2q=False)))

paper = dict(params_m=None, gflops=3.51, ap=63.2, metric='COCO val AP')
