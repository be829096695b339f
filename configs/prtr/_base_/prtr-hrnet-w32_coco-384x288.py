# PRTR's HRNet-W32 backbone: the four HRNet-W32 stages (multi-scale stage 4)
# + the ImageNet classification network's incremental bottlenecks,
# stride-2 fusions and 1x1 conv to 2048 channels at stride 32, without
# pooling / fc (HRNetStride32; 57.2M parameters with the head, the paper's
# count). The backbone lr is 1e-5 as for ResNet (the paper states it for
# "ResNet backbone" only; we apply it to HRNet as well).
_base_ = ['./prtr_coco-384x288.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='HRNetStride32',
        in_channels=3,
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
                num_channels=(32, 64)),
            stage3=dict(
                num_modules=4,
                num_branches=3,
                block='BASIC',
                num_blocks=(4, 4, 4),
                num_channels=(32, 64, 128)),
            stage4=dict(
                num_modules=3,
                num_branches=4,
                block='BASIC',
                num_blocks=(4, 4, 4, 4),
                num_channels=(32, 64, 128, 256))),
        head_channels=(32, 64, 128, 256),
        out_channels=2048,
        out_indices=(4, ),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmpose/'
            'pretrain_models/hrnet_w32-36af842e.pth')),
    head=dict(in_channels=2048))
