# Quickstart end-to-end PRTR for CPU on SynthPose's multi-person images
# (whole 256x256 images with 1-4 figures, resized to 128x128): person DETR +
# STN multi-layer cropping + keypoint transformer, trained jointly from
# scratch with `mim train mmpose` on 2 cores. Same model family as the COCO
# configs, shrunk for CPU:
# - ResNet-18 (random init: nothing is downloaded), C3-C5 out;
# - person DETR on C4 (8 x 8 tokens at 128x128; C5 would be 4 x 4), d 128,
#   4 heads, FFN 512, 2 encoder + 3 decoder layers, 10 person queries
#   (SynthPose has at most 4 people), no dropout;
# - keypoint transformer: C3-C5 cropped on a 12 x 16 grid, d 128, 4 heads,
#   FFN 512, 2 + 3 layers, Q = 17 queries, no dropout (as the two-stage
#   CPU quickstart);
# - random flip, no resize augmentation; AdamW lr 5e-4 for every part
#   (nothing is pre-trained), clipping at norm 1, cosine decay;
# - test: person probability > 0.05, at most 10 people.
# Measured targets and attempts: docs/prtr.md, end-to-end measurements.
_base_ = ['./_base_/prtr-e2e_coco-1024x1400.py']

max_epochs = 24
train_cfg = dict(max_epochs=max_epochs, val_interval=6)
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=5e-4, weight_decay=1e-4),
    paramwise_cfg=dict(_delete_=True),
    clip_grad=dict(max_norm=1.0, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.01,
         by_epoch=False),
    dict(
        type='CosineAnnealingLR',
        eta_min=5e-6,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        T_max=max_epochs,
        convert_to_iter_based=True)
]
auto_scale_lr = dict(base_batch_size=16)
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=6, save_best=None, max_keep_ckpts=1))
env_cfg = dict(mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0))

LAYER = dict(
    self_attn_cfg=dict(embed_dims=128, num_heads=4, dropout=0.,
                       batch_first=True),
    ffn_cfg=dict(embed_dims=128, feedforward_channels=512, num_fcs=2,
                 ffn_drop=0., act_cfg=dict(type='ReLU', inplace=True)))

model = dict(
    backbone=dict(
        depth=18, frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False, init_cfg=None),
    head=dict(
        person_detector=dict(
            in_channels=256,
            num_queries=10,
            encoder=dict(num_layers=2, layer_cfg=LAYER),
            decoder=dict(
                num_layers=3,
                layer_cfg=dict(
                    LAYER,
                    cross_attn_cfg=dict(
                        embed_dims=128, num_heads=4, dropout=0.,
                        batch_first=True)),
                return_intermediate=True),
            positional_encoding=dict(num_feats=64, normalize=True),
            init_cfg=None),
        keypoint_head=dict(
            in_channels=(128, 256, 512),
            num_queries=17,
            embed_dims=128,
            num_encoder_layers=2,
            num_decoder_layers=3,
            num_heads=4,
            feedforward_channels=512,
            dropout=0.),
        detector_level=1,
        detector_stride=16,
        num_people=10))

data_root = 'data/synthpose/'
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='BottomupShortSideResize', scales=[(128, 128)],
         keep_ratio=True),
    dict(type='PackPoseInputs', meta_keys={{_base_.meta_keys}})
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='BottomupShortSideResize', scales=[(128, 128)],
         keep_ratio=True),
    dict(type='PackPoseInputs', meta_keys={{_base_.meta_keys}})
]
train_dataloader = dict(
    batch_size=16,
    num_workers=1,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/person_keypoints_train.json',
        data_prefix=dict(img='train/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=1,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/person_keypoints_val.json',
        data_prefix=dict(img='val/'),
        pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = [
    dict(
        type='CocoMetric',
        ann_file=data_root + 'annotations/person_keypoints_val.json',
        nms_mode='none',
        score_mode='bbox_keypoint'),
    dict(
        type='PersonBoxMetric',
        ann_file=data_root + 'annotations/person_keypoints_val.json')
]
test_evaluator = val_evaluator

complexity_input_size = (128, 128)
paper = dict(params_m=None, gflops=None, ap=None, metric='SynthPose val AP')
