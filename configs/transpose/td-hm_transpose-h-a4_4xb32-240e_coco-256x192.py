# TransPose-H-A4 (Table 1): HRNet-S-W48, 4 encoder layers, 1 head, d 96,
# FFN 192. Paper: 17.3M params, 17.5 GFLOPs, COCO val AP 75.3.
_base_ = ['./_base_/transpose-h_coco-256x192.py']

model = dict(neck=dict(num_layers=4))

# paper numbers (Tables 1-2), read by tools/analysis/model_complexity.py
paper = dict(params_m=17.3, gflops=17.5, ap=75.3, metric='COCO val AP')
