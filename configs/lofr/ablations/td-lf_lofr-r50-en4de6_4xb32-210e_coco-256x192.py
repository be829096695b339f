# LOFR ablation, Table 6 model 4: D_En = 4 encoder and D_De = 6 decoder
# layers (54.9 COCO val2017 AP, R50 256x192); model 4 is the default.
_base_ = ['../_base_/lofr_coco-256x192.py']

model = dict(head=dict(num_encoder_layers=4, num_decoder_layers=6))

paper = dict(params_m=None, gflops=None, ap=54.9, metric='COCO val AP')
