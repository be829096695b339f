# LightPose-R50 on MPII at 256x256 (Table 4): same model, 16 keypoints,
# 16x16 tokens and outputs. Decision: trained on MPII with the COCO recipe
# (ImageNet initialisation, 220 epochs, the same augmentation: the paper
# states one recipe for both datasets and no COCO pre-training).
# Paper: 12.0M params, 5.2 GFLOPs, MPII val PCKh@0.5 89.6.
_base_ = ['./_base_/lightpose-r50_coco-256x192.py']

default_hooks = dict(checkpoint=dict(save_best='PCK', rule='greater'))

codec = dict(
    type='CenterOffsetHeatmap',
    input_size=(256, 256),
    stride=16,
    sigma=0.5,
    threshold=0.1)

model = dict(
    neck=dict(feat_size=(16, 16)),
    head=dict(out_channels=16, decoder=codec))

dataset_type = 'MpiiDataset'
data_mode = 'topdown'
data_root = 'data/mpii/'

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

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/mpii_train.json',
        data_prefix=dict(img='images/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/mpii_val.json',
        headbox_file=f'{data_root}annotations/mpii_gt_val.mat',
        data_prefix=dict(img='images/'),
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(_delete_=True, type='MpiiPCKAccuracy')
test_evaluator = val_evaluator

paper = dict(params_m=12.0, gflops=5.2, ap=89.6, metric='MPII val PCKh@0.5')
