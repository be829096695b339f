# LightPose-R50 on COCO at 256x192 (Tables 1-2): ResNet-50 c2-c4, 1x1 conv to
# 256, 6-layer pre-norm encoder (d 256, 8 heads, FFN 512), heatmap +
# offset heads at 1/16 (16x12). Paper: 12.0M params, 3.9 GFLOPs, COCO val
# AP 72.8.
_base_ = ['./_base_/lightpose-r50_coco-256x192.py']

paper = dict(params_m=12.0, gflops=3.9, ap=72.8, metric='COCO val AP')
