# "Sup-only" on the CPU quickstart (Table 4's pattern): the same model
# trained only on the 10 % location-labelled instances of the LOFR-WS run
# (LocationLabelledSubset: same fraction and seed, so exactly the instances
# that carry locations there), all of them with the heatmap MSE; 20
# epochs of the subset = the same number of steps as the other quickstarts.
_base_ = ['./td-lf_lofr-r18_1xb32-2e_synthpose-128x96.py']

max_epochs = 20
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
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
default_hooks = dict(checkpoint=dict(interval=max_epochs))

codec = dict(
    type='ImageLevelKeypointLabel',
    input_size=(96, 128),
    heatmap_size=(24, 32),
    sigma=1.,
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
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='LocationLabelledSubset',
        labelled_fraction=0.1,
        split_seed=0,
        dataset=dict(
            type='CocoDataset',
            data_root='data/synthpose_trunc/',
            data_mode='topdown',
            ann_file='annotations/person_keypoints_train.json',
            data_prefix=dict(img='train/'),
            pipeline=train_pipeline)))
model = dict(head=dict(decoder=codec))
