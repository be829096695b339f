# LOFR ablation, Table 5 row 6: the location-free baseline with
# SPE, MS (44.3 COCO val2017 AP, R50 256x192).
_base_ = ['../_base_/lofr_coco-256x192.py']

model = dict(
    head=dict(
        spe=True,
        multi_scale=True,
        reppg=False,
        loss_weights=dict(alpha=0.2, alpha1=0.2, alpha2=0.5, beta=0.0)))

paper = dict(params_m=None, gflops=None, ap=44.3, metric='COCO val AP')
