# LOFR ablation, Table 6 model 5: D_En = 6 encoder and D_De = 4 decoder
# layers (54.4 COCO val2017 AP, R50 256x192).
_base_ = ['../_base_/lofr_coco-256x192.py']

model = dict(head=dict(num_encoder_layers=6, num_decoder_layers=4))

paper = dict(params_m=None, gflops=None, ap=54.4, metric='COCO val AP')
