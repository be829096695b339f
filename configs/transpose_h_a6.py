# Short alias: `mim train mmpose configs/transpose_h_a6.py` trains TP-H-A6.
_base_ = ['./transpose/td-hm_transpose-h-a6_4xb32-240e_coco-256x192.py']
