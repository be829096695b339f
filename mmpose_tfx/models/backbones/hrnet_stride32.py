"""HRNet reduced to one stride-32 map, as PRTR's HRNet-W32 backbone.

PRTR's Table 1/2 HRNet-W32 model has 57.2M parameters. Its transformer part
(6 + 6 layers, d 256, FFN 2048, 100 queries, heads) has about 17.5M, and the
1x1 projection from a 2048-channel map 0.5M, which leaves ~39.2M for the
backbone: exactly HRNet-W32's ImageNet *classification* network without its
final fc layer (41.2M with the 1000-way fc). The pose HRNet-W32 (28.5M) is
far too small. So "HRNet-W32 reduced to stride 32 as in the reference" is:

1. the four HRNet stages with a multi-scale stage 4 (all four branches at
   strides 4, 8, 16, 32 are output: 32, 64, 128, 256 channels for W32);
2. the classification head's "incremental" path: one bottleneck per branch
   widening it to 128, 256, 512, 1024 channels; from the highest resolution
   down, a 3x3 stride-2 conv + BN + ReLU carries the running sum to the next
   branch, which is added; a 1x1 conv 1024 -> 2048 + BN + ReLU ends it;
3. no average pooling and no fc: the output is one ``(B, 2048, H/32,
   W/32)`` map (like ResNet-50's last stage, the reference's other backbone).

The module names (``incre_modules``, ``downsamp_modules``, ``final_layer``)
follow the ImageNet HRNet classification checkpoints, so those weights load
into them; MMPose's stages / transitions / HR modules are reused unchanged.

Multi-scale outputs: ``out_indices`` selects among the four stage-4 branch
outputs (0..3) and the fused stride-32 map (4), for the head's multi-scale
option.
"""
import copy
from typing import Sequence, Tuple

from mmcv.cnn import build_conv_layer, build_norm_layer
from mmpose.models.backbones import HRNet
from mmpose.models.backbones.resnet import Bottleneck, get_expansion
from mmpose.registry import MODELS
from torch import Tensor, nn


@MODELS.register_module()
class HRNetStride32(HRNet):
    """HRNet + classification-style fusion to one stride-32 map.

    Args:
        extra (dict): ``stage1`` .. ``stage4`` as
            :class:`mmpose.models.backbones.HRNet`; stage 4 is always built
            multi-scale.
        head_channels (Sequence[int]): Bottleneck widths of the incremental
            path per branch (HRNet: 32, 64, 128, 256 -> x4 expansion).
        out_channels (int): Channels of the final 1x1 conv (2048).
        out_indices (Sequence[int]): Outputs to return: 0-3 are the stage-4
            branches (strides 4-32), 4 the fused stride-32 map. Defaults to
            ``(4, )``.
        Other args: as :class:`mmpose.models.backbones.HRNet`.

    Example:
        W32 on ``(B, 3, 384, 288)`` returns ``((B, 2048, 12, 9),)``.
    """

    def __init__(self,
                 extra: dict,
                 in_channels: int = 3,
                 head_channels: Sequence[int] = (32, 64, 128, 256),
                 out_channels: int = 2048,
                 out_indices: Sequence[int] = (4, ),
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 zero_init_residual: bool = False,
                 frozen_stages: int = -1,
                 init_cfg=[
                     dict(type='Normal', std=0.001, layer=['Conv2d']),
                     dict(type='Constant', val=1,
                          layer=['_BatchNorm', 'GroupNorm'])
                 ]):
        for name in ('stage1', 'stage2', 'stage3', 'stage4'):
            if name not in extra:
                raise ValueError(f'HRNetStride32 needs extra["{name}"]')
        extra = copy.deepcopy(extra)
        extra['stage4']['multiscale_output'] = True
        num_branches = extra['stage4']['num_branches']
        if len(head_channels) != num_branches:
            raise ValueError(f'head_channels needs {num_branches} entries '
                             f'(one per stage-4 branch), got {head_channels}')
        out_indices = tuple(out_indices)
        if not out_indices or not all(0 <= i <= num_branches
                                      for i in out_indices):
            raise ValueError(f'out_indices must be in [0, {num_branches}], '
                             f'got {out_indices}')
        super().__init__(
            extra,
            in_channels=in_channels,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            norm_eval=norm_eval,
            with_cp=with_cp,
            zero_init_residual=zero_init_residual,
            frozen_stages=frozen_stages,
            init_cfg=init_cfg)
        self.out_indices = out_indices

        block = self.blocks_dict[extra['stage4']['block']]
        branch_channels = [
            c * get_expansion(block) for c in extra['stage4']['num_channels']
        ]
        widened = [c * get_expansion(Bottleneck) for c in head_channels]
        # incremental path: one bottleneck per branch (HRNet's _make_layer
        # adds the 1x1 conv + BN shortcut when the width changes)
        self.incre_modules = nn.ModuleList([
            self._make_layer(Bottleneck, cin, cout, 1)
            for cin, cout in zip(branch_channels, widened)
        ])
        self.downsamp_modules = nn.ModuleList([
            nn.Sequential(
                build_conv_layer(conv_cfg, cin, cout, 3, stride=2, padding=1,
                                 bias=True),
                build_norm_layer(self.norm_cfg, cout)[1],
                nn.ReLU(inplace=True))
            for cin, cout in zip(widened[:-1], widened[1:])
        ])
        self.final_layer = nn.Sequential(
            build_conv_layer(conv_cfg, widened[-1], out_channels, 1,
                             bias=True),
            build_norm_layer(self.norm_cfg, out_channels)[1],
            nn.ReLU(inplace=True))
        self.out_channels = out_channels

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Image ``(B, 3, H, W)`` -> the selected outputs; index 4 is the
        fused ``(B, out_channels, H/32, W/32)`` map."""
        branches = super().forward(x)  # strides 4, 8, 16, 32
        outs = list(branches)
        if len(branches) in self.out_indices:
            y = self.incre_modules[0](branches[0])
            for i, down in enumerate(self.downsamp_modules):
                y = self.incre_modules[i + 1](branches[i + 1]) + down(y)
            outs.append(self.final_layer(y))
        return tuple(outs[i] for i in self.out_indices)

    def train(self, mode: bool = True) -> 'HRNetStride32':
        """As HRNet's, but returns ``self`` (so that ``.eval()`` chains)."""
        super().train(mode)
        return self
