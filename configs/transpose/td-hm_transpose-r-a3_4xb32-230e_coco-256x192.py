# TransPose-R-A3 (Table 1): ResNet-S, 3 encoder layers, 8 heads, d 256,
# FFN 1024. Paper: 5.2M params, 8.0 GFLOPs, COCO val AP 71.7.
_base_ = ['./_base_/transpose-r_coco-256x192.py']

model = dict(neck=dict(num_layers=3))

# paper numbers (Tables 1-2), read by tools/analysis/model_complexity.py
paper = dict(params_m=5.2, gflops=8.0, ap=71.7, metric='COCO val AP')
