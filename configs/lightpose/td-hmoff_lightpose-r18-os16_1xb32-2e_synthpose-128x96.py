# CPU LightPose on SynthPose, heatmap + offset (LightPose).
# One half of the learning comparison of
# tools/benchmark/lightpose_synthpose.py (heatmap-only vs heatmap + offset
# at output stride 16, the pattern of Table 5). Same CPU budget and recipe as
# the TransPose quickstart (2 epochs, Adam 2e-3 with warm-up and cosine
# decay, its augmentation, 128x96 input, random init: nothing downloaded).
# LightPose architecture shrunk for CPU: ResNet-18 stem + c2-c4 (stride 16,
# 256 channels), 1x1 conv to d 128, 2 pre-norm encoder layers (4 heads, FFN
# 256), 1x1 heads on the 8x6 map. Note that at 128x96 a 1/16 cell is 1/6 of
# the crop width, as 1/32 is at the paper's 256x192.
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
    stride=16,
    sigma=0.5,
    threshold=0.1,
    use_offset=True)

model = dict(
    backbone=dict(depth=18, init_cfg=None),
    neck=dict(
        in_channels=256,
        embed_dims=128,
        num_layers=2,
        num_heads=4,
        feedforward_channels=256,
        feat_size=(8, 6)),
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
