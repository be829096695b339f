# PRTR two-stage, r101, COCO 512x384: the 384x288 model at the larger input
# (Table 1: 60.4M params, 33.4 GFLOPs, 72.0 val AP). Only the crop size
# changes; the sine position embedding follows the 16x12 token grid.
_base_ = ['./td-reg_prtr-r101_4xb32-200e_coco-384x288.py']

codec = dict(
    type='CoordinateRegressionLabel',
    input_size=(384, 512),
    weight_outside_crop=True,
    zero_unlabelled=True)

model = dict(head=dict(decoder=codec))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(
        type='ClippedNormalBBoxTransform',
        shift_prob=0.,
        scale_factor=(0.7, 1.3),
        scale_prob=1.0,
        rotate_factor=40.,
        rotate_clip=40.,
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

paper = dict(params_m=60.4, gflops=33.4, ap=72.0, metric='COCO val AP')
