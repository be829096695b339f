# TransPose-R: ResNet-S backbone (ResNet-50 stem + layer1 + layer2, stride 8,
# ImageNet weights), TransformerEncoderNeck at 1/8 (32x24 tokens for 256x192;
# its bias-free 1x1 conv 512 -> d is the reference's ResNet-S projection),
# head = one 4x4 stride-2 deconv to 256 + BN + ReLU, then 1x1 conv to K
# (reference facts; MMPose's HeatmapHead builds exactly this). 230 epochs,
# cosine 1e-4 -> 1e-5 stepped once per epoch (the reference;
# docs/transpose.md, decision 3). Initialisation as the reference: the
# final 1x1 conv N(0, 0.001), the deconvolution and the neck's reduction at
# PyTorch's default (decision 1; head init_cfg=None is MMPose's default,
# which draws the deconvolution from N(0, 0.001) too).
_base_ = ['./transpose_coco-256x192.py']

train_cfg = dict(max_epochs=230, val_interval=10)
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        eta_min=1e-5,
        by_epoch=True,
        begin=0,
        end=230,
        T_max=230)
]

model = dict(
    backbone=dict(
        type='ResNet',
        depth=50,
        num_stages=2,
        strides=(1, 2),
        dilations=(1, 1),
        out_indices=(1, ),
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    neck=dict(
        type='TransformerEncoderNeck',
        in_channels=512,
        embed_dims=256,
        num_heads=8,
        feedforward_channels=1024,
        feat_size=(32, 24),
        pos_embed='sine',
        dropout=0.1),
    head=dict(
        in_channels=256,
        deconv_out_channels=(256, ),
        deconv_kernel_sizes=(4, ),
        init_cfg=[
            dict(type='Normal', layer=['Conv2d'], std=0.001),
            dict(type='Constant', layer='BatchNorm2d', val=1)
        ]))
