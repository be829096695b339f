# LightPose-R50 (Table 1): ResNet-50 stem + its first three stages (c2-c4,
# 3 / 4 / 6 bottlenecks, stride 16, 1024 channels, ImageNet weights; c5 is
# replaced by the encoder, section 2.2), a 1x1 convolution to 256 (the neck's
# bias-free input projection), the transformer encoder, the 1x1 heads.
#
# Encoder (decision, see docs/lightpose.md): Table 1 says "12 x Transformer
# Encoder - d_m 256 - h 8 - d_o 512", but one such pre-norm layer has
# 4*256*256 + 4*256 (attention) + 2*256*512 + 512 + 256 (FFN) + 4*256 (two
# LayerNorms) = 527,104 parameters, so 12 layers are 6.33M, while Table 6
# adds 3.2M for the encoder and Tables 2/6 total 12.0M (R50) and 8.8M (W48)
# over backbones of 8.8M / 5.6M. Six layers (3.16M) match all four numbers
# and the +0.6 GFLOPs of Table 6; twelve would give 15.2M / 11.9M and
# +1.2 GFLOPs. We keep d_m 256, h 8, d_o 512 and use 6 layers (12 = six
# layers of two residual sub-blocks each).
# Pre-norm ("layer normalization is always applied before multi-head
# attention and FFN following [26]"), ReLU FFN (eq. 6), dropout 0.1
# (decision: unstated; Vaswani / TransPose default), 2D sine position
# embedding on queries and keys (decision: unstated; without one the
# flattened sequence has no positions; TransPose's, frozen and
# parameter-free in substance).
_base_ = ['./lightpose_coco-256x192.py']

model = dict(
    backbone=dict(
        type='ResNet',
        depth=50,
        num_stages=3,
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        out_indices=(2, ),
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    neck=dict(
        type='TransformerEncoderNeck',
        in_channels=1024,
        embed_dims=256,
        num_layers=6,
        num_heads=8,
        feedforward_channels=512,
        feat_size=(16, 12),
        pos_embed='sine',
        dropout=0.1,
        norm_first=True))
