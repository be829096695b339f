# LightPose-W48 on COCO at 256x192 (Tables 1-2, 6): HRNet-W48 stem to a
# one-module stage 3 fused to 1/16, 1x1 conv to 256, 6-layer pre-norm
# encoder, heatmap + offset heads at 1/16. Paper: 8.8M params, 4.9 GFLOPs,
# COCO val AP 74.3.
_base_ = ['./_base_/lightpose-w48_coco-256x192.py']

paper = dict(params_m=8.8, gflops=4.9, ap=74.3, metric='COCO val AP')
