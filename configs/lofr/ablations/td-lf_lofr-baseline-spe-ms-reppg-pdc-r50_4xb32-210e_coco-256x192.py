# LOFR ablation, Table 5 row 8: the location-free baseline with
# SPE, MS, REPPG, PDC (54.9 COCO val2017 AP, R50 256x192).
_base_ = ['../_base_/lofr_coco-256x192.py']

model = dict(
    head=dict(
        spe=True,
        multi_scale=True,
        reppg=True,
        loss_weights=dict(alpha=0.2, alpha1=0.2, alpha2=0.5, beta=0.1)))

paper = dict(params_m=None, gflops=None, ap=54.9, metric='COCO val AP')
