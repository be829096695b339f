# LOFR-WS on the CPU quickstart: 100 % of the training instances keep
# their location labels (the heatmap MSE of eq. 14), the rest image-level
# labels only (Table 4's pattern on SynthPose).
_base_ = ['./td-lf_lofr-r18_1xb32-2e_synthpose-128x96.py']

codec = dict(
    type='ImageLevelKeypointLabel',
    input_size=(96, 128),
    heatmap_size=(24, 32),
    sigma=1.,
    presence='annotation',
    labelled_fraction=1.0,
    split_seed=0)
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
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
model = dict(head=dict(decoder=codec))
