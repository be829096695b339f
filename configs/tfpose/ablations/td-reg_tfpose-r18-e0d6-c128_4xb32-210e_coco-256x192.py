# TFPose ablation, Table 2 with C = 128 channels in the Transformer:
# ResNet-18, N_E = 0, N_D = 6 (2.28 GFLOPs, 63.2 COCO val AP). The
# projections map every level to 128 channels; the decoder works at 128
# (8 heads of 16, FFN 1024 as at C = 256: the paper varies only C).
_base_ = ['./td-reg_tfpose-r18-e0d6_4xb32-210e_coco-256x192.py']

model = dict(
    neck=dict(embed_dims=128),
    head=dict(query_decoder=dict(embed_dims=128)))

paper = dict(params_m=None, gflops=2.28, ap=63.2, metric='COCO val AP')
