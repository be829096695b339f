# LOFR, r50, 384x288, location-free (Table 1: 55.4 COCO test-dev AP;
# only image-level keypoint labels in training).
_base_ = ['./_base_/lofr_coco-256x192.py']

codec = dict(
    type='ImageLevelKeypointLabel',
    input_size=(288, 384),
    heatmap_size=(72, 96),
    sigma=3.,
    presence='annotation',
    labelled_fraction=0.,
    split_seed=0)

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(
        type='RandomBBoxTransform',
        shift_prob=0.,
        rotate_prob=0.,
        scale_factor=(0.65, 1.35),
        scale_prob=1.),
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

model = dict(
    head=dict(input_size=codec['input_size'], decoder=codec))

paper = dict(params_m=None, gflops=None, ap=55.4, metric='COCO test-dev AP')
