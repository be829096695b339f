# TFPose ResNet-50, N_E = 6, N_D = 6, MPII 256x256 (Table 7: 90.4 PCKh@0.5
# on the MPII *test* set, which has no public labels; `mim test` reports
# PCKh@0.5 on MPII val). The COCO recipe with K = 16 keypoints, 1:1 crops and
# auxiliary heatmaps of 64x64.
_base_ = ['./_base_/tfpose_coco-256x192.py']

default_hooks = dict(checkpoint=dict(save_best='PCK', rule='greater'))

codec = dict(
    type='RegressionAuxHeatmapLabel',
    input_size=(256, 256),
    heatmap_size=(64, 64),
    sigma=2.)

model = dict(head=dict(num_keypoints=16, decoder=codec))

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
        scale_factor=(0.5, 1.5),
        rotate_factor=40.),
    dict(type='TopdownAffine', input_size=codec['input_size'], use_udp=True),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size'], use_udp=True),
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

paper = dict(params_m=None, gflops=None, ap=90.4, metric='MPII test PCKh@0.5')
