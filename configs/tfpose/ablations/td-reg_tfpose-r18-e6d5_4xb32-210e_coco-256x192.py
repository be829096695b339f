# TFPose ablation, Table 3: ResNet-18, N_E = 6, N_D = 5, no auxiliary loss
# (6.68 GFLOPs, 67.2 COCO val AP).
_base_ = ['../_base_/tfpose-r18_coco-256x192.py']

model = dict(head=dict(query_decoder=dict(num_layers=5)))

paper = dict(params_m=None, gflops=6.68, ap=67.2, metric='COCO val AP')
