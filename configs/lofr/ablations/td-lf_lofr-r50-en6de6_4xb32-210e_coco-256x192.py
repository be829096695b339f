# LOFR ablation, Table 6 model 6: D_En = 6 encoder and D_De = 6 decoder
# layers (53.2 COCO val2017 AP, R50 256x192).
_base_ = ['../_base_/lofr_coco-256x192.py']

model = dict(head=dict(num_encoder_layers=6, num_decoder_layers=6))

paper = dict(params_m=None, gflops=None, ap=53.2, metric='COCO val AP')
