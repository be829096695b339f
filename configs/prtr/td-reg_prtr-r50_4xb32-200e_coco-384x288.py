# PRTR two-stage, ResNet-50 (stride 32, ImageNet weights), COCO 384x288
# (Table 1: 41.5M params, 11.0 GFLOPs, 68.2 val AP with the paper's own
# person detector; recipe in _base_/prtr_coco-384x288.py).
_base_ = ['./_base_/prtr_coco-384x288.py']

# paper numbers (Table 1), read by tools/analysis/model_complexity.py
paper = dict(params_m=41.5, gflops=11.0, ap=68.2, metric='COCO val AP')
