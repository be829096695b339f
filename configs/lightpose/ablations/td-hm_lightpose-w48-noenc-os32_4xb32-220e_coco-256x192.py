# Table 5 (output ratio 1/32, heatmap only): LightPose-W48 backbone fused to
# 1/32 (384 channels), no encoder, 1x1 conv to 256, heads at 1/32.
# Sigma 0.25 cells = 8 input pixels at every ratio (decision, see
# _base_/lightpose_coco-256x192.py).
# 1/32 has no HRNet stage-3 branch: the fused 1/16 map goes through one
# HRNet-style transition (3x3 stride-2 conv + BN + ReLU, 192 -> 384).
# Paper: COCO val AP 18.0.
_base_ = ['../_base_/lightpose-w48-noenc_coco-256x192.py']

codec = dict(
    type='CenterOffsetHeatmap',
    input_size=(192, 256),
    stride=32,
    sigma=0.25,
    threshold=0.1,
    use_offset=False)

model = dict(
    backbone=dict(out_stride=32),
    neck=dict(in_channels=[384]),
    head=dict(with_offset=False, decoder=codec))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(
        type='RandomBBoxTransform',
        shift_prob=0.,
        scale_factor=(0.65, 1.35),
        rotate_factor=45.,
        rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

paper = dict(params_m=None, gflops=None, ap=18.0, metric='COCO val AP')
