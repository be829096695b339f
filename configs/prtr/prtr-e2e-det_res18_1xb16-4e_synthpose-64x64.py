# Stage 1 of the end-to-end CPU quickstart: the person detector alone (the
# paper's order: "We first tune a person detector", then train jointly).
# The quickstart model at 64x64 (SynthPose resized to a quarter of its
# area), only the DETR person loss (train_keypoints=False): a DETR learns to
# localise from a random backbone in a few thousand cheap steps at this size
# (box AP .5 0.49 after 1250 steps, where 128x128 stayed near 0.2 after
# 1500; docs/prtr.md, end-to-end measurements). 4 epochs (~4 minutes on 2
# cores), so that stage 2, prtr-e2e_res18_1xb16-10e_synthpose-128x128.py,
# which starts from its checkpoint, gets the rest of the 30 minutes.
_base_ = ['./prtr-e2e_res18_1xb16-24e_synthpose-128x128.py']

max_epochs = 4
train_cfg = dict(max_epochs=max_epochs, val_interval=4)
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
default_hooks = dict(checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))

# crop_size: stage 2's grid, so that stage 2 loads every weight of stage 1
# (the keypoint stage's learned grid position embedding has its shape)
model = dict(head=dict(train_keypoints=False, crop_size=(6, 8)))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='BottomupShortSideResize', scales=[(64, 64)], keep_ratio=True),
    dict(type='PackPoseInputs', meta_keys={{_base_.meta_keys}})
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='BottomupShortSideResize', scales=[(64, 64)], keep_ratio=True),
    dict(type='PackPoseInputs', meta_keys={{_base_.meta_keys}})
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
complexity_input_size = (64, 64)
