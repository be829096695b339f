# Quickstart TransPose for CPU: trains on SynthPose (tools/dataset/
# make_synthpose.py) in a few minutes on 2 cores. Same architecture family
# as TP-R (ResNet stem truncated after layer2 at stride 8, Transformer
# encoder with 2D sine position embedding, one deconv + 1x1 conv head, DARK
# heatmaps), shrunk for CPU: ResNet-18 (randomly initialised: nothing is
# downloaded), 128x96 input, d 128, 2 layers, 4 heads, FFN 256. It keeps the
# settings it was measured with (docs/transpose.md, decision 4): MMPose's
# head initialisation (deconvolution N(0, 0.001) too) and a cosine stepped
# every iteration.
_base_ = ['./_base_/transpose-r_coco-256x192.py']

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
    type='MSRAHeatmap',
    input_size=(96, 128),
    heatmap_size=(24, 32),
    sigma=1.5,
    unbiased=True)

model = dict(
    backbone=dict(depth=18, init_cfg=None),
    neck=dict(
        in_channels=128,
        embed_dims=128,
        num_layers=2,
        num_heads=4,
        feedforward_channels=256,
        feat_size=(16, 12)),
    head=dict(
        in_channels=128,
        deconv_out_channels=(128, ),
        decoder=codec,
        init_cfg=[
            dict(
                type='Normal', layer=['Conv2d', 'ConvTranspose2d'],
                std=0.001),
            dict(type='Constant', layer='BatchNorm2d', val=1)
        ]))

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
val_evaluator = dict(ann_file=data_root + 'annotations/person_keypoints_val.json')
test_evaluator = val_evaluator

paper = dict(params_m=None, gflops=None, ap=None, metric='SynthPose val AP')
