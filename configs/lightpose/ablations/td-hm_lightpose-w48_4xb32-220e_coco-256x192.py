# Table 6 row 2 (backbone + encoder + heatmap, no offset): LightPose-W48
# with the offset branch removed (heatmap-only labels, L_all = L_hm,
# keypoints at the centre of the argmax cell). Paper: 8.8M params,
# 4.9 GFLOPs, COCO val AP 54.8.
_base_ = ['../_base_/lightpose-w48_coco-256x192.py']

codec = dict(
    type='CenterOffsetHeatmap',
    input_size=(192, 256),
    stride=16,
    sigma=0.5,
    threshold=0.1,
    use_offset=False)

model = dict(head=dict(with_offset=False, decoder=codec))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(
        type='RandomBBoxTransform',
        shift_prob=0.,
        scale_factor=(0.65, 1.35),
        rotate_factor=45.,
        rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

paper = dict(params_m=8.8, gflops=4.9, ap=54.8, metric='COCO val AP')
