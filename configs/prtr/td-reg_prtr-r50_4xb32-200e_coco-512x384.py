# PRTR two-stage, r50, COCO 512x384: the 384x288 model at the larger input
# (Table 1: 41.5M params, 18.8 GFLOPs, 71.0 val AP). Only the crop size
# changes; the sine position embedding follows the 16x12 token grid.
_base_ = ['./td-reg_prtr-r50_4xb32-200e_coco-384x288.py']

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

paper = dict(params_m=41.5, gflops=18.8, ap=71.0, metric='COCO val AP')
