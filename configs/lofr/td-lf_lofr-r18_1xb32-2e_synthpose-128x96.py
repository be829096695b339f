# Quickstart LOFR for CPU: location-free training on SynthPose with
# truncated figures (tools/dataset/make_synthpose.py --truncation 0.5 ->
# data/synthpose_trunc: figures partly outside the image, whose keypoints
# are labelled absent, so the per-person presence labels vary; with every
# figure whole, every crop would be labelled "all 17 present" and carry no
# signal). Only image-level presence labels reach the model. Same model
# family as the COCO configs, shrunk for CPU:
# - ResNet-18 truncated after layer3 (1/4, 1/8, 1/16; random init);
# - C = 64, 2 heads (d_k = 32, as the paper), FFN 256, 1 encoder layer
#   shared by the three levels, 2 decoder layers, no dropout;
# - Adam lr 2e-3 for every part (nothing pre-trained), short warm-up,
#   cosine; flip and scale augmentation as the paper, 2 epochs at 128x96,
#   batch 32 (the TransPose quickstart's budget).
_base_ = ['./_base_/lofr_coco-256x192.py']

max_epochs = 2
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=2e-3, weight_decay=1e-4),
    paramwise_cfg=dict(_delete_=True))
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
    type='ImageLevelKeypointLabel',
    input_size=(96, 128),
    heatmap_size=(24, 32),
    sigma=1.,
    presence='annotation',
    labelled_fraction=0.,
    split_seed=0)

model = dict(
    backbone=dict(depth=18, init_cfg=None),
    head=dict(
        in_channels=(64, 128, 256),
        input_size=codec['input_size'],
        embed_dims=64,
        num_heads=2,
        feedforward_channels=256,
        num_encoder_layers=1,
        num_decoder_layers=2,
        dropout=0.,
        decoder=codec))

data_root = 'data/synthpose_trunc/'
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
