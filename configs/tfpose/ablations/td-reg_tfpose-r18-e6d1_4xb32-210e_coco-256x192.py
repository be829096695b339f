# TFPose ablation, Table 3: ResNet-18, N_E = 6, N_D = 1, no auxiliary loss
# (6.32 GFLOPs, 65.7 COCO val AP).
_base_ = ['../_base_/tfpose-r18_coco-256x192.py']

model = dict(head=dict(query_decoder=dict(num_layers=1)))

paper = dict(params_m=None, gflops=6.32, ap=65.7, metric='COCO val AP')
