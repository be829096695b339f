# LightPose-W48 (Table 1): HRNet-W48 stem (two 3x3 stride-2 convolutions),
# stage 1 (4 bottlenecks, 64), transition 1 + stage 2, transition 2 +
# stage 3 (ImageNet HRNet-W48 weights), brought to 1/16, a 1x1 convolution
# to 256 (the neck's input projection), the encoder of LightPose-R50, the
# 1x1 heads.
#
# Decisions (see mmpose_tfx/models/backbones/lightpose_hrnet.py and
# docs/lightpose.md): stage 3 has ONE HR module, not HRNet-W48's four (four
# modules alone are 15.3M parameters; Table 6's backbone is 5.6M: stem to
# stage 2 1.70M + one stage-3 module 3.76M + 1x1 conv 0.05M + heads 0.01M =
# 5.52M); the module fuses its 1/4, 1/8 and 1/16 branches into the 1/16
# one with HRNet's strided-conv fuse layers ("brought to 1/16").
_base_ = ['./lightpose_coco-256x192.py']

model = dict(
    backbone=dict(
        type='LightPoseHRNet',
        in_channels=3,
        out_stride=16,
        extra=dict(
            stage1=dict(
                num_modules=1,
                num_branches=1,
                block='BOTTLENECK',
                num_blocks=(4, ),
                num_channels=(64, )),
            stage2=dict(
                num_modules=1,
                num_branches=2,
                block='BASIC',
                num_blocks=(4, 4),
                num_channels=(48, 96)),
            stage3=dict(
                num_modules=1,
                num_branches=3,
                block='BASIC',
                num_blocks=(4, 4, 4),
                num_channels=(48, 96, 192))),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmpose/'
            'pretrain_models/hrnet_w48-8ef0771d.pth')),
    neck=dict(
        type='TransformerEncoderNeck',
        in_channels=192,
        embed_dims=256,
        num_layers=6,
        num_heads=8,
        feedforward_channels=512,
        feat_size=(16, 12),
        pos_embed='sine',
        dropout=0.1,
        norm_first=True))
