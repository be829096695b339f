# The CPU quickstart with keypoints occluded by flat-colour patches in the
# training crops (KeypointPatchOcclusion: a patch near each labelled
# keypoint with probability 0.3, 0-2 distractor patches; every covered
# keypoint labelled absent) and the final presence read out from the part
# features (presence_from='part', decision 8). Presence of keypoint c then
# means "its marker is visible in the crop", which only looking at the
# keypoint can tell; docs/lofr.md, decision 17 and measurements.
_base_ = ['./td-lf_lofr-r18_1xb32-2e_synthpose-128x96.py']

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
    dict(type='TopdownAffine', input_size={{_base_.codec.input_size}}),
    dict(
        type='KeypointPatchOcclusion',
        prob=0.3,
        size=(0.06, 0.12),
        jitter=0.25,
        num_distractors=(0, 2)),
    dict(type='GenerateTarget', encoder={{_base_.codec}}),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
model = dict(head=dict(presence_from='part'))
