# PRTR two-stage, ResNet-101 (stride 32, ImageNet weights), COCO 384x288
# (Table 1: 60.4M params, 19.1 GFLOPs, 70.1 val AP).
_base_ = ['./_base_/prtr_coco-384x288.py']

model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(
            type='Pretrained', checkpoint='torchvision://resnet101')))

paper = dict(params_m=60.4, gflops=19.1, ap=70.1, metric='COCO val AP')
