# Shared recipe of LOFR (Xu et al., "Location-Free Human Pose Estimation",
# CVPR 2022; ../shared/papers/003_cbf9d9088247975c.txt; decisions numbered in
# docs/lofr.md).
#
# - Top-down, location-free: every training crop carries only which keypoint
#   classes are present (ImageLevelKeypointLabel, presence from the
#   annotation's visibility; no coordinate reaches the model or its losses).
# - ResNet-50 truncated after layer3 (1/4, 1/8, 1/16 outputs) ->
#   CAMPrototypeHead: CAM branch on 1/16 (eqs. 1-2), spatial-aware position
#   encoding (eqs. 3-4), multi-scale encoder (4 post-norm layers, C 256, 8
#   heads, d_k 32, FFN 2048; Table 6's best D_En = 4, D_De = 6), RePPG over
#   the dataset skeleton (SemGCN, eq. 10), 6 decoder layers with the
#   prototypes as queries; part response maps = the last layer's
#   cross-attention.
# - Loss (eq. 13): 0.2 BCE(CNN) + 0.2 BCE(encoder) + 0.5 BCE(final) + 0.1
#   L_div (section 4.2).
# - Section 4.2: Adam, lr 4e-3, weight decay 1e-4, Transformer lr x 0.1;
#   random flip and random resize with scale in [0.65, 1.35] (no rotation,
#   no cutout); 4 GPUs. Not stated (decisions): 210 COCO epochs, MMPose's
#   step schedule (x 0.1 at 170 and 200) with a 500-iteration warm-up,
#   batch 4 x 32.
# - Test: flip test; keypoint = maximum of the fused response map (MMPose's
#   MSRA decoding), score = the final output's class probability;
#   MMPose's AP-56 person detections.
_base_ = ['mmpose::_base_/default_runtime.py']

custom_imports = dict(imports=['mmpose_tfx'], allow_failed_imports=False)
# MMPose's SyncBuffersHook + a check, before training / testing, that the
# head's keypoint count is the dataset's (mmpose_tfx/engine/hooks.py)
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='KeypointCountCheckHook')
]

max_epochs = 210
train_cfg = dict(max_epochs=max_epochs, val_interval=10)

optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=4e-3, weight_decay=1e-4),
    paramwise_cfg=dict(
        custom_keys={
            'head.encoder': dict(lr_mult=0.1),
            'head.decoder_layers': dict(lr_mult=0.1),
        }))

param_scheduler = [
    dict(
        type='LinearLR', begin=0, end=500, start_factor=0.001,
        by_epoch=False),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        milestones=[170, 200],
        gamma=0.1,
        by_epoch=True)
]

auto_scale_lr = dict(base_batch_size=128)

default_hooks = dict(checkpoint=dict(save_best='coco/AP', rule='greater'))

codec = dict(
    type='ImageLevelKeypointLabel',
    input_size=(192, 256),
    heatmap_size=(48, 64),
    sigma=2.,
    presence='annotation',
    labelled_fraction=0.,
    split_seed=0)

# The part read-outs (decision 8; the default reads the local part features)
# use the last decoder layer's cross-attention weights (R_i) but not its
# output, so that layer's value projection, FFN and norms reach no loss:
# distributed training must let DDP skip them.
find_unused_parameters = True

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='ResNet',
        depth=50,
        num_stages=3,
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        out_indices=(0, 1, 2),
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    head=dict(
        type='CAMPrototypeHead',
        in_channels=(256, 512, 1024),
        in_index=(0, 1, 2),
        num_keypoints=17,
        input_size=codec['input_size'],
        embed_dims=256,
        num_heads=8,
        feedforward_channels=2048,
        num_encoder_layers=4,
        num_decoder_layers=6,
        dropout=0.1,
        spe=True,
        multi_scale=True,
        reppg=True,
        num_gcn_layers=2,
        metainfo=dict(from_file='configs/_base_/datasets/coco.py'),
        loss_weights=dict(alpha=0.2, alpha1=0.2, alpha2=0.5, beta=0.1),
        sup_loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=codec),
    test_cfg=dict(flip_test=True, shift_heatmap=False))

dataset_type = 'CocoDataset'
data_mode = 'topdown'
data_root = 'data/coco/'

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
