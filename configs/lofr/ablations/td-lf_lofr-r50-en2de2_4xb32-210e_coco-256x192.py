# LOFR ablation, Table 6 model 1: D_En = 2 encoder and D_De = 2 decoder
# layers (50.3 COCO val2017 AP, R50 256x192).
_base_ = ['../_base_/lofr_coco-256x192.py']

model = dict(head=dict(num_encoder_layers=2, num_decoder_layers=2))

paper = dict(params_m=None, gflops=None, ap=50.3, metric='COCO val AP')
