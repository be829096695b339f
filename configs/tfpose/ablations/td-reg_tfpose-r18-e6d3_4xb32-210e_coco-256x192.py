# TFPose ablation, Table 3: ResNet-18, N_E = 6, N_D = 3, no auxiliary loss
# (6.5 GFLOPs, 67.1 COCO val AP).
_base_ = ['../_base_/tfpose-r18_coco-256x192.py']

model = dict(head=dict(query_decoder=dict(num_layers=3)))

paper = dict(params_m=None, gflops=6.5, ap=67.1, metric='COCO val AP')
