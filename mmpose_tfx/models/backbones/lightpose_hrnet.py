"""LightPose-W48 backbone: HRNet stem to stage 3, brought to one
low-resolution output (LightPose, Liu et al., ICASSP 2022, Table 1).

Table 1 lists "Conv-k3-s2-c64, BN, ReLU" twice (the HRNet stem), "4 x
Bottleneck-c64" (stage 1), "Transition1-Stage2", "Transition2-Stage3" and a
1x1 convolution to 256 channels; section 2.2 says the transformer replaces
HRNet's stage 4. The paper does not say how the three stage-3 branches (1/4,
1/8, 1/16) become one 1/16 map. Decision: the last HR module of stage 3 fuses
its branches into the 1/16 branch only, with HRNet's own fuse layers
(strided 3x3 convolutions from the 1/4 and 1/8 branches, summed with the
1/16 branch, ReLU), i.e. HRNet-S of TransPose mirrored to the lowest
resolution. Stage 3 of LightPose-W48 has ONE module (HRNet-W48 has four):
that is what the parameter counts of Tables 2 and 6 imply (backbone 5.6M,
see ``docs/lightpose.md``); the configs set ``num_modules=1``.

For the output-ratio ablation (Table 5) the same class can fuse into the
1/4 or 1/8 branch (``out_stride`` 4 / 8) or go one step below 1/16
(``out_stride`` 32: HRNet's transition to a fourth branch, a 3x3 stride-2
convolution + BN + ReLU from the fused 1/16 map, 2x its channels as
HRNet's 1/32 branch has). The 1x1 convolution to 256 channels is the neck's
(``TransformerEncoderNeck`` input projection, or MMPose's ``ChannelMapper``
in the configs without encoder), so that the backbone stays a plain HRNet
prefix whose ImageNet weights load unchanged.
"""
from typing import Optional, Tuple

import torch.nn as nn
from mmcv.cnn import build_conv_layer, build_norm_layer
from mmpose.registry import MODELS
from torch import Tensor

from .hrnet_s import HRNetS

# output stride -> stage-3 branch the last module fuses into
_FUSE_BRANCH = {4: 0, 8: 1, 16: 2, 32: 2}


@MODELS.register_module()
class LightPoseHRNet(HRNetS):
    """HRNet stem + stages 1-3 with one output at stride 4, 8, 16 or 32.

    :class:`HRNetS` fused into the ``out_stride`` branch, plus one stride-2
    transition for ``out_stride=32``.

    Args:
        extra (dict): ``stage1``, ``stage2``, ``stage3`` as in MMPose's
            :class:`HRNet` (no ``stage4``; stage 3 with 3 branches).
            LightPose-W48 uses HRNet-W48's widths with
            ``stage3.num_modules = 1``.
        out_stride (int): 4, 8 or 16 (fuse into that stage-3 branch;
            LightPose: 16) or 32 (fuse into 1/16, then one stride-2
            transition).
        out32_channels (int, optional): Channels of the 1/32 output.
            Defaults to twice the 1/16 branch (HRNet's fourth-branch width).
        Other args: as :class:`mmpose.models.backbones.HRNet`.

    Example:
        W48 with ``out_stride=16`` on ``(B, 3, 256, 192)`` returns
        ``((B, 192, 16, 12),)``.
    """

    def __init__(self,
                 extra: dict,
                 out_stride: int = 16,
                 out32_channels: Optional[int] = None,
                 **kwargs):
        if 'stage3' in extra and extra['stage3']['num_branches'] != 3:
            raise ValueError('LightPoseHRNet expects a 3-branch stage 3 '
                             '(strides 4, 8, 16), got num_branches='
                             f"{extra['stage3']['num_branches']}")
        if out_stride not in _FUSE_BRANCH:
            raise ValueError(f'out_stride must be 4, 8, 16 or 32, got '
                             f'{out_stride}')
        if 'out_branch' in kwargs:
            raise ValueError('LightPoseHRNet sets out_branch from out_stride')
        super().__init__(extra, out_branch=_FUSE_BRANCH[out_stride], **kwargs)
        self.out_stride = out_stride
        if out_stride == 32:
            out32 = out32_channels or 2 * self.out_channels
            self.downsample = nn.Sequential(
                build_conv_layer(self.conv_cfg, self.out_channels, out32, 3,
                                 stride=2, padding=1, bias=False),
                build_norm_layer(self.norm_cfg, out32)[1],
                nn.ReLU(inplace=True))
            self.out_channels = out32
        else:
            self.downsample = None

    def forward(self, x: Tensor) -> Tuple[Tensor]:
        """Image ``(B, 3, H, W)`` -> ``((B, C, H/s, W/s),)``, ``s`` =
        ``out_stride``."""
        out = super().forward(x)[0]
        if self.downsample is not None:
            out = self.downsample(out)
        return (out, )
