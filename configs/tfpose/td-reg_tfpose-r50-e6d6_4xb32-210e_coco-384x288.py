# TFPose ResNet-50, N_E = 6, N_D = 6, 384x288 (Table 5: 20.4 GFLOPs,
# 72.4 COCO val AP; Table 6: 72.2 test-dev). Auxiliary heatmaps at 1/4:
# 96x72.
_base_ = ['./_base_/tfpose_coco-256x192.py']

codec = dict(
    type='RegressionAuxHeatmapLabel',
    input_size=(288, 384),
    heatmap_size=(72, 96),
    sigma=3.)

model = dict(head=dict(decoder=codec))

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
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader

paper = dict(params_m=None, gflops=20.4, ap=72.4, metric='COCO val AP')
