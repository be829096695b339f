# LightPose-W48 on COCO at 384x288 (Table 3): same model, 24x18 tokens and
# outputs at 1/16. Paper: 8.8M params, 11.0 GFLOPs, COCO test-dev AP 75.1
# (the paper reports no val number at this size).
_base_ = ['./_base_/lightpose-w48_coco-256x192.py']

codec = dict(
    type='CenterOffsetHeatmap',
    input_size=(288, 384),
    stride=16,
    sigma=0.5,
    threshold=0.1)

model = dict(neck=dict(feat_size=(24, 18)), head=dict(decoder=codec))

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
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader

paper = dict(params_m=8.8, gflops=11.0, ap=75.1, metric='COCO test-dev AP')
