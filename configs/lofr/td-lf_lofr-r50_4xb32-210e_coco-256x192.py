# LOFR, r50, 256x192, location-free (Table 1: 54.3 COCO test-dev AP;
# only image-level keypoint labels in training).
_base_ = ['./_base_/lofr_coco-256x192.py']

paper = dict(params_m=None, gflops=None, ap=54.3, metric='COCO test-dev AP')
