# Table 5 (output ratio 1/16, heatmap only): LightPose-W48 backbone fused to
# 1/16 (192 channels), no encoder, 1x1 conv to 256, heads at 1/16.
# Sigma 0.5 cells = 8 input pixels at every ratio (decision, see
# _base_/lightpose_coco-256x192.py).
# Also Table 6 row 1 (backbone + heatmap).
# Paper: COCO val AP 51.0.
_base_ = ['../_base_/lightpose-w48-noenc_coco-256x192.py']

codec = dict(
    type='CenterOffsetHeatmap',
    input_size=(192, 256),
    stride=16,
    sigma=0.5,
    threshold=0.1,
    use_offset=False)

model = dict(
    backbone=dict(out_stride=16),
    neck=dict(in_channels=[192]),
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

paper = dict(params_m=5.6, gflops=None, ap=51.0, metric='COCO val AP')
