# TFPose ablation, Table 3: ResNet-18, N_E = 6, N_D = 2, no auxiliary loss
# (6.41 GFLOPs, 66.9 COCO val AP).
_base_ = ['../_base_/tfpose-r18_coco-256x192.py']

model = dict(head=dict(query_decoder=dict(num_layers=2)))

paper = dict(params_m=None, gflops=6.41, ap=66.9, metric='COCO val AP')
