# PRTR end-to-end, ResNet-101 (Table 1: 64.8 COCO val AP; Table 2: 63.4
# test-dev; the paper gives no parameter / FLOP count for the end-to-end
# models). The recipe is in ./_base_/prtr-e2e_coco-1024x1400.py.
_base_ = ['./_base_/prtr-e2e_coco-1024x1400.py']

# tools/analysis/model_complexity.py, export and the zoo: a 4:3 COCO image
# at the test scale (1365x1024, short side 1024) as the network gets it,
# padded to a multiple of 32 (pad_size_divisor); the keypoint stage on
# num_people = 20 people
complexity_input_size = (1376, 1024)
paper = dict(params_m=None, gflops=None, ap=64.8, metric='COCO val AP')
