# LOFR ablation, Table 6 model 2: D_En = 3 encoder and D_De = 3 decoder
# layers (52.3 COCO val2017 AP, R50 256x192).
_base_ = ['../_base_/lofr_coco-256x192.py']

model = dict(head=dict(num_encoder_layers=3, num_decoder_layers=3))

paper = dict(params_m=None, gflops=None, ap=52.3, metric='COCO val AP')
