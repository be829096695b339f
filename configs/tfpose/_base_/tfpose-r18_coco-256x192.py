# ResNet-18 ablation base of TFPose (section 4.2: "Unless specified,
# ResNet-18 is used as the backbone in ablation study"), 256x192: the COCO
# recipe with ResNet-18 C2-C5 (64, 128, 256, 512 channels). Tables 1-3 are
# trained without the auxiliary loss (Table 3's N_D = 6 row, 67.2 AP, is
# Table 4's "without aux" row; docs/tfpose.md, decision 4).
_base_ = ['./tfpose_coco-256x192.py']

model = dict(
    backbone=dict(
        depth=18,
        init_cfg=dict(type='Pretrained',
                      checkpoint='torchvision://resnet18')),
    neck=dict(in_channels=(128, 256, 512)),
    head=dict(aux_head=None))
