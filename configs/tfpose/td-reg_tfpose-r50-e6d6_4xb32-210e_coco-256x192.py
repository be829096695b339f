# TFPose ResNet-50, N_E = 6 encoder layers, N_D = 6 decoder layers, 256x192
# (Table 5: 9.2 GFLOPs, 71.0 COCO val AP; Table 6: 70.9 test-dev). Tables
# 5-6 label the rows "N_D = 6" but their captions say "N_D represents the
# number of encoder layers" and the text says "TFPose with 4 encoder layers
# (7.7 GFLOPs) ... 6 encoder layers (9.15 GFLOPs)": the varied number is
# N_E (docs/tfpose.md, decision 3), the decoder keeps N_D = 6.
_base_ = ['./_base_/tfpose_coco-256x192.py']

# paper numbers, read by tools/analysis/model_complexity.py
paper = dict(params_m=None, gflops=9.2, ap=71.0, metric='COCO val AP')
