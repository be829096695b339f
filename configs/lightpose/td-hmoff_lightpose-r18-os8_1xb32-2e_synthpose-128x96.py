# CPU LightPose on SynthPose at output stride 8, heatmap + offset (LightPose).
# The output-stride-8 pair of tools/benchmark/lightpose_synthpose.py
# (--strides 8): at 128x96 a 1/8 cell (16x12 map) is the same fraction of
# the crop as the paper's 1/16 at 256x192. As the stride-16 configs, except
# that ResNet-18 stops after c3 (stride 8, 128 channels; 16x12 tokens) and
# the Gaussian is sigma 1 cell (8 input pixels).
_base_ = ['./_base_/lightpose-r50_coco-256x192.py']

max_epochs = 2
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.01,
         by_epoch=False),
    dict(
        type='CosineAnnealingLR',
        eta_min=2e-5,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        T_max=max_epochs,
        convert_to_iter_based=True)
]
auto_scale_lr = dict(base_batch_size=32)
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=max_epochs, save_best=None, max_keep_ckpts=1))
env_cfg = dict(mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0))

codec = dict(
    type='CenterOffsetHeatmap',
    input_size=(96, 128),
    stride=8,
    sigma=1.0,
    threshold=0.1,
    use_offset=True)

model = dict(
    backbone=dict(
        depth=18,
        num_stages=2,
        strides=(1, 2),
        dilations=(1, 1),
        out_indices=(1, ),
        init_cfg=None),
    neck=dict(
        in_channels=128,
        embed_dims=128,
        num_layers=2,
        num_heads=4,
        feedforward_channels=256,
        feat_size=(16, 12),
        input_proj=True),
    head=dict(in_channels=128, with_offset=True, decoder=codec))

data_root = 'data/synthpose/'
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(type='RandomBBoxTransform', rotate_factor=30),
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
    num_workers=1,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/person_keypoints_train.json',
        data_prefix=dict(img='train/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=1,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/person_keypoints_val.json',
        bbox_file=None,
        data_prefix=dict(img='val/'),
        pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    ann_file=data_root + 'annotations/person_keypoints_val.json')
test_evaluator = val_evaluator

paper = dict(params_m=None, gflops=None, ap=None, metric='SynthPose val AP')
