# Shared recipe of the TransPose COCO configs (paper section 4, Technical
# details; reference code facts in ../shared/papers/README.md).
#
# - Adam; cosine annealing of the learning rate from 1e-4 to 1e-5 ("we
#   recommend using such a schedule for all models"); 230 epochs for TP-R and
#   240 for TP-H (set in each model config).
# - Input 256x192, heatmaps 64x48 with sigma 2, DARK decoding (MMPose's
#   MSRAHeatmap with unbiased=True, i.e. the codec of [65]); flip test.
# - "Same training strategies, data augmentation and person detected results
#   as [51]" (HRNet): MMPose's HRNet reproduction pipeline (random flip,
#   half body, random scale/rotation/shift of the box) and the same person
#   detections file (AP_H 56) for validation.
# - The paper gives no batch size; the reference trains on 4 GPUs, we use
#   4 x 32 (auto_scale_lr keeps the lr right for other totals).
_base_ = ['mmpose::_base_/default_runtime.py']

custom_imports = dict(imports=['mmpose_tfx'], allow_failed_imports=False)
# MMPose's SyncBuffersHook + a check, before training / testing, that the
# head's keypoint count is the dataset's (mmpose_tfx/engine/hooks.py)
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='KeypointCountCheckHook')
]

# optimizer (epochs and the cosine schedule live in the TP-R / TP-H bases)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-4))

auto_scale_lr = dict(base_batch_size=128)

default_hooks = dict(checkpoint=dict(save_best='coco/AP', rule='greater'))

# codec: 64x48 heatmaps, sigma 2, DARK (unbiased) encoding and decoding
codec = dict(
    type='MSRAHeatmap',
    input_size=(192, 256),
    heatmap_size=(48, 64),
    sigma=2,
    unbiased=True)

# model: backbone / neck / head are set by each TP-* config
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    head=dict(
        type='HeatmapHead',
        out_channels=17,
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=codec),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=False))

# data
dataset_type = 'CocoDataset'
data_mode = 'topdown'
data_root = 'data/coco/'

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(type='RandomBBoxTransform'),
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
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/person_keypoints_train2017.json',
        data_prefix=dict(img='train2017/'),
        pipeline=train_pipeline,
    ))
val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/person_keypoints_val2017.json',
        bbox_file=f'{data_root}person_detection_results/'
        'COCO_val2017_detections_AP_H_56_person.json',
        data_prefix=dict(img='val2017/'),
        test_mode=True,
        pipeline=val_pipeline,
    ))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='CocoMetric',
    ann_file=f'{data_root}annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
