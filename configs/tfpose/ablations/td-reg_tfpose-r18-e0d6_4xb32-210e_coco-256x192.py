# TFPose ablation, Tables 1-2 (q2q on, C = 256): ResNet-18, N_E = 0 (no
# encoder: the memory is the projected C2-C5 features), N_D = 6, no
# auxiliary loss: 3.61 GFLOPs, 64.5 COCO val AP. Without an encoder the
# paper's GFLOPs need all four levels C2-C5 in the memory (docs/tfpose.md,
# decision 1): 4080 tokens at 256x192, which the decoder's value projections
# read in every layer.
_base_ = ['../_base_/tfpose-r18_coco-256x192.py']

model = dict(
    neck=dict(
        in_channels=(64, 128, 256, 512), in_indices=(0, 1, 2, 3),
        num_layers=0),
    head=dict(query_decoder=dict(num_levels=4)))

paper = dict(params_m=None, gflops=3.61, ap=64.5, metric='COCO val AP')
