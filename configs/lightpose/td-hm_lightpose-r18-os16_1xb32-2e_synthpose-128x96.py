# CPU LightPose on SynthPose at output stride 16, heatmap-only baseline: the
# other half of the pair of tools/benchmark/lightpose_synthpose.py. Identical
# to the heatmap + offset config it inherits except for the label: no offset
# channels, no offset loss, keypoints decoded at the centre of the argmax
# cell (docs/lightpose.md, decision 11).
_base_ = ['./td-hmoff_lightpose-r18-os16_1xb32-2e_synthpose-128x96.py']

codec = dict(
    type='CenterOffsetHeatmap',
    input_size=(96, 128),
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
    dict(type='RandomBBoxTransform', rotate_factor=30),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
