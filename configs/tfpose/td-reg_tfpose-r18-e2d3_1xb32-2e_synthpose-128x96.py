# Quickstart TFPose for CPU: trains on SynthPose (tools/dataset/
# make_synthpose.py) in the TransPose quickstart's budget (2 epochs at 128x96,
# batch 32, about 8 minutes of `mim train` on 2 cores). Same model family as
# the COCO configs (ResNet C3-C5 -> 1x1 projections + GroupNorm -> level +
# sine pixel embedding -> deformable encoder -> K keypoint queries with q2q
# self-attention and deformable p2q cross-attention, eq. 4 refinement after
# every decoder layer, L1 on every layer + lambda = 50 x auxiliary UDP
# heatmap MSE from M_C5, flip test), shrunk for CPU:
# - ResNet-18 (random init: nothing is downloaded);
# - C = 128, 8 heads, 4 points, FFN 512, N_E = 2, N_D = 3, no dropout;
# - auxiliary branch: 3 deconvolutions of 128 channels, 32x24 heatmaps
#   (sigma 1);
# - AdamW lr 2e-3 for every part, short warm-up, cosine. The paper's x 0.1
#   for the Transformer assumes 210 epochs; in 2 epochs from scratch it
#   halves the AP (measured: 0.448 with x 0.1 and dropout 0.1, 0.697
#   without either; docs/tfpose.md, measurements).
# Its twin td-reg_tfpose-r18-e2d3-noaux_... differs only in the auxiliary
# loss (Table 4 / Fig. 5 on SynthPose: tools/benchmark/tfpose_synthpose.py).
_base_ = ['./_base_/tfpose_coco-256x192.py']

max_epochs = 2
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
optim_wrapper = dict(
    optimizer=dict(lr=2e-3), paramwise_cfg=dict(_delete_=True))
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
    type='RegressionAuxHeatmapLabel',
    input_size=(96, 128),
    heatmap_size=(24, 32),
    sigma=1.)

model = dict(
    backbone=dict(depth=18, init_cfg=None),
    neck=dict(
        in_channels=(128, 256, 512),
        embed_dims=128,
        num_layers=2,
        feedforward_channels=512,
        dropout=0.),
    head=dict(
        query_decoder=dict(
            embed_dims=128, num_layers=3, feedforward_channels=512,
            dropout=0.),
        aux_head=dict(
            in_channels=128, deconv_out_channels=(128, 128, 128)),
        decoder=codec))

data_root = 'data/synthpose/'
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
