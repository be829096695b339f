# TFPose ablation, Table 4 "with aux": ResNet-18, N_E = 6, N_D = 6, with the
# auxiliary heatmap loss (lambda = 50): 6.76 GFLOPs (the branch is not run
# at inference), 69.5 COCO val AP (67.2 without: Table 3's N_D = 6 config).
_base_ = ['../_base_/tfpose-r18_coco-256x192.py']

model = dict(
    head=dict(
        aux_head=dict(
            _delete_=True,
            type='HeatmapHead',
            in_channels=256,
            deconv_out_channels=(256, 256, 256),
            deconv_kernel_sizes=(4, 4, 4),
            loss=dict(
                type='KeypointMSELoss', use_target_weight=True,
                loss_weight=50.))))

paper = dict(params_m=None, gflops=6.76, ap=69.5, metric='COCO val AP')
