# TransPose-H-A6 (Table 1): HRNet-S-W48, 6 encoder layers, 1 head, d 96,
# FFN 192. Paper: 17.5M params, 21.8 GFLOPs, COCO val AP 75.8.
_base_ = ['./_base_/transpose-h_coco-256x192.py']

model = dict(neck=dict(num_layers=6))

# paper numbers (Tables 1-2), read by tools/analysis/model_complexity.py
paper = dict(params_m=17.5, gflops=21.8, ap=75.8, metric='COCO val AP')
