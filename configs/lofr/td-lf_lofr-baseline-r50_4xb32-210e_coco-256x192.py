# The location-free baseline (Table 1: 34.0 COCO test-dev AP; Table 5 row 1:
# 39.1 val): "the CNN (Res-50) with the original transformer-based
# architecture" - the same model without SPE (a learned, randomly
# initialised position embedding instead), without the multi-scale memory
# (the 1/16 level only), without RePPG (learned prototypes) and without the
# part diversity constraint; the CAM branch and the three BCE losses stay.
_base_ = ['./_base_/lofr_coco-256x192.py']

model = dict(
    head=dict(
        spe=False,
        multi_scale=False,
        reppg=False,
        loss_weights=dict(alpha=0.2, alpha1=0.2, alpha2=0.5, beta=0.)))

paper = dict(params_m=None, gflops=None, ap=34.0, metric='COCO test-dev AP')
