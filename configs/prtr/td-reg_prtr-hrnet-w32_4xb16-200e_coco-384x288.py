# PRTR two-stage, HRNet-W32 reduced to stride 32 (HRNetStride32, ImageNet
# weights), COCO 384x288 (Table 1: 57.2M params, 21.6 GFLOPs, 73.1 val AP).
_base_ = ['./_base_/prtr-hrnet-w32_coco-384x288.py']

paper = dict(params_m=57.2, gflops=21.6, ap=73.1, metric='COCO val AP')
