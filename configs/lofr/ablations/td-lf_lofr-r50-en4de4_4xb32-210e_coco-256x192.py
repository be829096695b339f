# LOFR ablation, Table 6 model 3: D_En = 4 encoder and D_De = 4 decoder
# layers (53.7 COCO val2017 AP, R50 256x192).
_base_ = ['../_base_/lofr_coco-256x192.py']

model = dict(head=dict(num_encoder_layers=4, num_decoder_layers=4))

paper = dict(params_m=None, gflops=None, ap=53.7, metric='COCO val AP')
