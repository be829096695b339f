# LOFR ablation, Table 5 row 2: the location-free baseline with
# SPE (42.5 COCO val2017 AP, R50 256x192).
_base_ = ['../_base_/lofr_coco-256x192.py']

model = dict(
    head=dict(
        spe=True,
        multi_scale=False,
        reppg=False,
        loss_weights=dict(alpha=0.2, alpha1=0.2, alpha2=0.5, beta=0.0)))

paper = dict(params_m=None, gflops=None, ap=42.5, metric='COCO val AP')
