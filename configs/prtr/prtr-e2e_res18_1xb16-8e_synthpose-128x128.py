# Stage 2 of the end-to-end CPU quickstart: the whole model trained jointly
# at 128x128 (DETR person loss + PRTR keypoint loss) from the person
# detector of stage 1 (prtr-e2e-det_res18_1xb16-4e_synthpose-64x64.py,
# whose last checkpoint load_from names: run stage 1 first, as
# tools/benchmark/prtr_e2e_synthpose.py does). Same model as
# prtr-e2e_res18_1xb16-24e_synthpose-128x128.py (the from-scratch
# attempt); 8 epochs (the two stages in under 30 minutes of training on 2
# cores; validation every 2 epochs),
# cosine from lr 5e-4, the keypoint transformer (trained from scratch here)
# at 2x, the two-stage CPU quickstart's 1e-3.
_base_ = ['./prtr-e2e_res18_1xb16-24e_synthpose-128x128.py']

load_from = ('work_dirs/prtr-e2e-det_res18_1xb16-4e_synthpose-64x64/'
             'epoch_4.pth')

max_epochs = 8
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'head.keypoint_head': dict(lr_mult=2.)}))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=50, start_factor=0.01,
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
