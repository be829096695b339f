# TransPose-H-S (Table 1): HRNet-S-W32, 4 encoder layers, 1 head, d 64,
# FFN 128. Paper: 8.0M params, 10.2 GFLOPs, COCO val AP 74.2.
_base_ = ['./_base_/transpose-h_coco-256x192.py']

model = dict(
    backbone=dict(
        extra=dict(
            stage2=dict(num_channels=(32, 64)),
            stage3=dict(num_channels=(32, 64, 128))),
        init_cfg=dict(
            checkpoint='https://download.openmmlab.com/mmpose/'
            'pretrain_models/hrnet_w32-36af842e.pth')),
    neck=dict(
        in_channels=32, embed_dims=64, feedforward_channels=128,
        num_layers=4),
    head=dict(in_channels=64))

# paper numbers (Tables 1-2), read by tools/analysis/model_complexity.py
paper = dict(params_m=8.0, gflops=10.2, ap=74.2, metric='COCO val AP')
