# The CPU quickstart with presence labels recomputed after augmentation
# (labelled *and* inside the augmented crop: presence='crop', which reads the
# transformed coordinates inside the pipeline) instead of the strict
# annotation visibility; docs/lofr.md, decision 1 and measurements.
_base_ = ['./td-lf_lofr-r18_1xb32-2e_synthpose-128x96.py']

codec = dict(
    type='ImageLevelKeypointLabel',
    input_size=(96, 128),
    heatmap_size=(24, 32),
    sigma=1.,
    presence='crop',
    labelled_fraction=0.,
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
