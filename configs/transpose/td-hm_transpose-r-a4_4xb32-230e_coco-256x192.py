# TransPose-R-A4 (Table 1): ResNet-S, 4 encoder layers, 8 heads, d 256,
# FFN 1024. Paper: 6.0M params, 8.9 GFLOPs, COCO val AP 72.6.
_base_ = ['./_base_/transpose-r_coco-256x192.py']

model = dict(neck=dict(num_layers=4))

# paper numbers (Tables 1-2), read by tools/analysis/model_complexity.py
paper = dict(params_m=6.0, gflops=8.9, ap=72.6, metric='COCO val AP')
