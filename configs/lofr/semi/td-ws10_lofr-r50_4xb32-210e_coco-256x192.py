# LOFR-WS, weakly semi-supervised (Table 4): 10 % of the training
# instances keep their location labels (chosen by a hash of the annotation id
# and split_seed: the same split every run), the rest only image-level labels;
# the labelled ones add the heatmap MSE of eq. 14 (64.8 COCO val AP).
_base_ = ['../td-lf_lofr-r50_4xb32-210e_coco-256x192.py']

codec = dict(
    type='ImageLevelKeypointLabel',
    input_size=(192, 256),
    heatmap_size=(48, 64),
    sigma=2.,
    presence='annotation',
    labelled_fraction=0.1,
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

paper = dict(params_m=None, gflops=None, ap=64.8, metric='COCO val AP')
