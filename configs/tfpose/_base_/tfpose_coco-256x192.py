# Shared recipe of TFPose (Mao et al., "TFPose: Direct Human Pose Estimation
# with Transformers", 2021; ../shared/papers/002_b1fbd927259259cd.txt;
# decisions numbered in docs/tfpose.md).
#
# - Top-down regression: person boxes extended to 3:4 and cropped to 256x192;
#   ResNet-50 C2-C5 (strides 4-32) -> DeformableEncoderNeck (a 1x1 conv per
#   level to C = 256, level + 2D sine pixel embedding, N_E Deformable-DETR
#   encoder layers: 8 heads, 4 points per level and head, FFN 1024, dropout
#   0.1) on C3-C5 (decision 1: the only level set that reproduces the
#   paper's GFLOPs with an encoder) -> TFPoseHead: K = 17 keypoint queries,
#   N_D = 6 decoder layers (q2q self-attention, deformable p2q
#   cross-attention around the current estimate, FFN), eq. 4 refinement
#   after every layer from a learnable y_0.
# - Loss (eq. 7): visibility-weighted L1 on every decoder layer (eq. 5) +
#   lambda = 50 x MSE of the auxiliary heatmaps (M_C5 -> 3 deconvolutions ->
#   64x48, UDP Gaussian targets, sigma 2; training only).
# - Section 4.1: AdamW, lr 4e-3, betas (0.9, 0.999), weight decay 1e-4,
#   cosine schedule; the Transformer (encoder, decoder) and the linear
#   projections that predict the keypoint offsets (the refinement MLPs,
#   inside the decoder) at lr x 0.1; random rotation +-40, scale 0.5-1.5,
#   flip, half-body; UDP (unbiased data processing) for the crops and the
#   auxiliary targets; ImageNet initialisation of the backbone.
# - Not in the paper (decisions 9-11): 210 epochs (MMPose's COCO top-down
#   schedule), 500-iteration linear warm-up, batch 4 x 32, no gradient
#   clipping (the authors' follow-up Poseur has none).
# - Test: flip test (coordinates averaged), keypoint score from the
#   agreement of the two passes (decision 8); MMPose's AP-56 person
#   detections (the paper: "the same person detector in Simple Baseline").
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
    optimizer=dict(
        type='AdamW', lr=4e-3, betas=(0.9, 0.999), weight_decay=1e-4),
    paramwise_cfg=dict(
        custom_keys={
            'neck.encoder': dict(lr_mult=0.1),
            'neck.level_embed': dict(lr_mult=0.1),
            'head.query_decoder': dict(lr_mult=0.1),
        }))

param_scheduler = [
    dict(
        type='LinearLR', begin=0, end=500, start_factor=0.001,
        by_epoch=False),
    dict(
        type='CosineAnnealingLR',
        eta_min=0.,
        begin=0,
        end=max_epochs,
        T_max=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True)
]

auto_scale_lr = dict(base_batch_size=128)

default_hooks = dict(checkpoint=dict(save_best='coco/AP', rule='greater'))

codec = dict(
    type='RegressionAuxHeatmapLabel',
    input_size=(192, 256),
    heatmap_size=(48, 64),
    sigma=2.)

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
        out_indices=(0, 1, 2, 3),
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    neck=dict(
        type='DeformableEncoderNeck',
        in_channels=(512, 1024, 2048),
        in_indices=(1, 2, 3),
        embed_dims=256,
        num_layers=6,
        num_heads=8,
        num_points=4,
        feedforward_channels=1024,
        dropout=0.1),
    head=dict(
        type='TFPoseHead',
        num_keypoints=17,
        query_decoder=dict(
            type='KeypointQueryDecoder',
            embed_dims=256,
            num_layers=6,
            num_levels=3,
            num_heads=8,
            num_points=4,
            feedforward_channels=1024,
            dropout=0.1,
            q2q=True,
            refine_mlp_layers=3,
            detach_reference=True),
        aux_head=dict(
            type='HeatmapHead',
            in_channels=256,
            deconv_out_channels=(256, 256, 256),
            deconv_kernel_sizes=(4, 4, 4),
            loss=dict(
                type='KeypointMSELoss', use_target_weight=True,
                loss_weight=50.)),
        aux_in_index=-1,
        loss=dict(type='L1Loss', use_target_weight=True),
        decoder=codec),
    test_cfg=dict(
        flip_test=True,
        shift_coords=True,
        score_mode='consistency',
        score_kappa=0.08))

dataset_type = 'CocoDataset'
data_mode = 'topdown'
data_root = 'data/coco/'

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
