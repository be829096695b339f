# LOFR ResNet-50, CrowdPose 256x192, location-free (Table 3: 42.5 AP on the
# CrowdPose test set). "For CrowdPose, the setting is similar with COCO and
# trained for 210 epochs": the COCO recipe with CrowdPose's 14 keypoints
# and skeleton, MMPose's CrowdPose data and metric settings.
_base_ = ['./_base_/lofr_coco-256x192.py']

default_hooks = dict(checkpoint=dict(save_best='crowdpose/AP'))

model = dict(
    head=dict(
        num_keypoints=14,
        metainfo=dict(from_file='configs/_base_/datasets/crowdpose.py')))

dataset_type = 'CrowdPoseDataset'
data_mode = 'topdown'
data_root = 'data/crowdpose/'

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/mmpose_crowdpose_trainval.json',
        data_prefix=dict(img='images/')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/mmpose_crowdpose_test.json',
        bbox_file=f'{data_root}annotations/'
        'det_for_crowd_test_0.1_0.5.json',
        data_prefix=dict(img='images/')))
test_dataloader = val_dataloader
val_evaluator = dict(
    ann_file=f'{data_root}annotations/mmpose_crowdpose_test.json',
    use_area=False,
    iou_type='keypoints_crowd',
    prefix='crowdpose')
test_evaluator = val_evaluator

paper = dict(params_m=None, gflops=None, ap=42.5, metric='CrowdPose test AP')
