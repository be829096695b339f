# Location-free LOFR on whole SynthPose figures (data/synthpose, the main
# quickstart's data: no figure leaves its image, so no crop shows a black
# out-of-image band) with presence recomputed inside the augmented crop
# (presence='crop'): a keypoint is absent only when the scale augmentation
# cuts it off, so presence can be told only from the body itself. Tests
# whether the truncated data's black band is the shortcut that keeps the
# response maps from localising; docs/lofr.md, measurements.
_base_ = ['./td-lfcrop_lofr-r18_1xb32-2e_synthpose-128x96.py']

data_root = 'data/synthpose/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/person_keypoints_val.json')
test_evaluator = val_evaluator
