# TFPose ResNet-50, N_E = 4 encoder layers, N_D = 6, 256x192 (Table 5:
# 7.7 GFLOPs (7.68 in the text), 70.5 COCO val AP; Table 6: 70.5 test-dev).
_base_ = ['./_base_/tfpose_coco-256x192.py']

model = dict(neck=dict(num_layers=4))

paper = dict(params_m=None, gflops=7.7, ap=70.5, metric='COCO val AP')
