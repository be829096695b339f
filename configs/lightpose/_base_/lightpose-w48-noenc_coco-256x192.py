# LightPose-W48 without the transformer encoder (Table 5 and Table 6 rows
# 1/3): the LightPose-W48 backbone, its 1x1 convolution to 256 (MMPose's
# ChannelMapper: bias-free 1x1 conv, no norm / activation, as the encoder
# neck's input projection), the 1x1 heads. Table 5's numbers are this model
# (its 1/16 rows, 51.0 and 69.3 AP, are Table 6's rows 1 and 3). Leaf configs
# set the output stride (stage-3 fuse branch) and the codec.
_base_ = ['./lightpose-w48_coco-256x192.py']

model = dict(
    neck=dict(
        _delete_=True,
        type='ChannelMapper',
        in_channels=[192],
        out_channels=256,
        kernel_size=1,
        act_cfg=None,
        bias=False))
