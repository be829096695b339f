# PRTR end-to-end, HRNet-W48 (Table 1: 66.2 COCO val AP; Table 2: 64.9
# test-dev). MMPose's HRNet-W48 (ImageNet weights) with all four branches
# out (strides 4-32, 48 / 96 / 192 / 384 channels): the person DETR reads
# the stride-32 branch, the STN crops the stride 8, 16 and 32 branches (the
# ResNet C3-C5 counterparts; docs/prtr.md, end-to-end decision 3). DETR's
# input projection expects 2048 channels, so from the DETR-R50 checkpoint
# this model takes everything but that 1x1 convolution.
_base_ = ['./_base_/prtr-e2e_coco-1024x1400.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='HRNet',
        in_channels=3,
        # as the ResNet configs (DETR's convention): frozen batch norm and
        # frozen stem + stage 1 (2 images per GPU)
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=False),
        norm_eval=True,
        extra=dict(
            stage1=dict(
                num_modules=1,
                num_branches=1,
                block='BOTTLENECK',
                num_blocks=(4, ),
                num_channels=(64, )),
            stage2=dict(
                num_modules=1,
                num_branches=2,
                block='BASIC',
                num_blocks=(4, 4),
                num_channels=(48, 96)),
            stage3=dict(
                num_modules=4,
                num_branches=3,
                block='BASIC',
                num_blocks=(4, 4, 4),
                num_channels=(48, 96, 192)),
            stage4=dict(
                num_modules=3,
                num_branches=4,
                block='BASIC',
                num_blocks=(4, 4, 4, 4),
                num_channels=(48, 96, 192, 384),
                multiscale_output=True)),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmpose/'
            'pretrain_models/hrnet_w48-8ef0771d.pth')),
    head=dict(
        person_detector=dict(in_channels=384),
        keypoint_head=dict(in_channels=(96, 192, 384)),
        crop_levels=(1, 2, 3),
        detector_level=3))

# tools/analysis/model_complexity.py, export and the zoo: a 4:3 COCO image
# at the test scale (1365x1024, short side 1024) as the network gets it,
# padded to a multiple of 32 (pad_size_divisor); the keypoint stage on
# num_people = 20 people
complexity_input_size = (1376, 1024)
paper = dict(params_m=None, gflops=None, ap=66.2, metric='COCO val AP')
