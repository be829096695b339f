# Short alias: `mim train mmpose configs/lightpose_r50.py` trains LightPose-R50
# on COCO at 256x192.
_base_ = ['./lightpose/td-hmoff_lightpose-r50_4xb32-220e_coco-256x192.py']
