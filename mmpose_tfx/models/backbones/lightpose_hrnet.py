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
import copy
from typing import List, Tuple

import torch.nn as nn
from mmcv.cnn import build_conv_layer, build_norm_layer
from mmpose.models.backbones import HRNet
from mmpose.models.backbones.base_backbone import BaseBackbone
from mmpose.models.backbones.hrnet import HRModule
from mmpose.models.backbones.resnet import get_expansion
from mmpose.registry import MODELS
from torch import Tensor


class SingleOutputHRModule(HRModule):
    """An HRNet module whose fusion produces one branch only.

    The fuse layers of the kept output sit at the same state-dict keys as in
    HRNet's (multi-scale) module, ``fuse_layers.{out_branch}.{j}``, so
    HRNet weights load into it.

    Args:
        out_branch (int): Branch index whose resolution the output has.
        Other args: as MMPose's ``HRModule``.
    """

    def __init__(self, num_branches, blocks, num_blocks, in_channels,
                 num_channels, out_branch: int, **kwargs):
        if not 0 <= out_branch < num_branches:
            raise ValueError(f'out_branch must be in [0, {num_branches}), '
                             f'got {out_branch}')
        kwargs['multiscale_output'] = True
        super().__init__(num_branches, blocks, num_blocks, in_channels,
                         num_channels, **kwargs)
        self.out_branch = out_branch
        if self.fuse_layers is not None:
            for i in range(num_branches):
                if i != out_branch:
                    self.fuse_layers[i] = None

    def forward(self, x: List[Tensor]) -> List[Tensor]:
        """Branch inputs ``[(B, C_i, H_i, W_i)]`` -> ``[fused output]``."""
        if self.num_branches == 1:
            return [self.branches[0](x[0])]
        x = [branch(xi) for branch, xi in zip(self.branches, x)]
        b = self.out_branch
        y = x[b]
        for j in range(self.num_branches):
            if j != b:
                y = y + self.fuse_layers[b][j](x[j])
        return [self.relu(y)]


@MODELS.register_module()
class LightPoseHRNet(HRNet):
    """HRNet stem + stages 1-3 with one output at stride 4, 8, 16 or 32.

    Args:
        extra (dict): ``stage1``, ``stage2``, ``stage3`` as in MMPose's
            :class:`HRNet` (no ``stage4``). LightPose-W48 uses HRNet-W48's
            widths with ``stage3.num_modules = 1``.
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
                 out32_channels: int = None,
                 in_channels: int = 3,
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
        if 'stage4' in extra:
            raise ValueError('LightPoseHRNet stops after stage 3 (the '
                             'transformer replaces stage 4); remove "stage4" '
                             'from extra')
        for name in ('stage1', 'stage2', 'stage3'):
            if name not in extra:
                raise ValueError(f'LightPoseHRNet needs extra["{name}"]')
        if extra['stage3']['num_branches'] != 3:
            raise ValueError('LightPoseHRNet expects a 3-branch stage 3 '
                             '(strides 4, 8, 16), got num_branches='
                             f"{extra['stage3']['num_branches']}")
        if out_stride not in (4, 8, 16, 32):
            raise ValueError(f'out_stride must be 4, 8, 16 or 32, got '
                             f'{out_stride}')
        if frozen_stages > 3:
            raise ValueError('LightPoseHRNet has 3 stages; frozen_stages '
                             f'must be <= 3, got {frozen_stages}')
        # HRNet.__init__ builds stage 4 unconditionally; build the stem and
        # stages 1-3 with its helpers instead.
        BaseBackbone.__init__(self, init_cfg=init_cfg)
        self.extra = extra
        self.conv_cfg = conv_cfg
        self.norm_cfg = copy.deepcopy(norm_cfg)
        self.norm_eval = norm_eval
        self.with_cp = with_cp
        self.zero_init_residual = zero_init_residual
        self.frozen_stages = frozen_stages
        self.out_stride = out_stride
        self.upsample_cfg = extra.get('upsample', {
            'mode': 'nearest',
            'align_corners': None
        })

        # stem: two stride-2 3x3 convolutions (1/4)
        self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, 64, postfix=1)
        self.norm2_name, norm2 = build_norm_layer(self.norm_cfg, 64, postfix=2)
        self.conv1 = build_conv_layer(
            conv_cfg, in_channels, 64, 3, stride=2, padding=1, bias=False)
        self.add_module(self.norm1_name, norm1)
        self.conv2 = build_conv_layer(
            conv_cfg, 64, 64, 3, stride=2, padding=1, bias=False)
        self.add_module(self.norm2_name, norm2)
        self.relu = nn.ReLU(inplace=True)

        # stage 1
        self.stage1_cfg = extra['stage1']
        block = self.blocks_dict[self.stage1_cfg['block']]
        stage1_out = self.stage1_cfg['num_channels'][0] * get_expansion(block)
        self.layer1 = self._make_layer(block, 64, stage1_out,
                                       self.stage1_cfg['num_blocks'][0])

        # stage 2 (multi-scale) and stage 3 (last module: one output)
        out_branch = {4: 0, 8: 1, 16: 2, 32: 2}[out_stride]
        pre_channels = [stage1_out]
        for idx in (2, 3):
            cfg = extra[f'stage{idx}']
            setattr(self, f'stage{idx}_cfg', cfg)
            block = self.blocks_dict[cfg['block']]
            channels = [c * get_expansion(block) for c in cfg['num_channels']]
            setattr(self, f'transition{idx - 1}',
                    self._make_transition_layer(pre_channels, channels))
            if idx == 2:
                stage, pre_channels = self._make_stage(cfg, channels)
            else:
                stage, pre_channels = self._make_stage3(
                    cfg, channels, out_branch)
            setattr(self, f'stage{idx}', stage)
        out_channels = pre_channels[out_branch]

        if out_stride == 32:
            out32 = out32_channels or 2 * out_channels
            self.downsample = nn.Sequential(
                build_conv_layer(conv_cfg, out_channels, out32, 3, stride=2,
                                 padding=1, bias=False),
                build_norm_layer(self.norm_cfg, out32)[1],
                nn.ReLU(inplace=True))
            out_channels = out32
        else:
            self.downsample = None
        self.out_channels = out_channels
        self._freeze_stages()

    def _make_stage3(self, cfg: dict, in_channels: List[int],
                     out_branch: int) -> Tuple[nn.Sequential, List[int]]:
        """Stage 3: multi-scale HR modules, the last one fused into
        ``out_branch`` only."""
        block = self.blocks_dict[cfg['block']]
        modules = []
        for i in range(cfg['num_modules']):
            common = dict(
                with_cp=self.with_cp,
                norm_cfg=self.norm_cfg,
                conv_cfg=self.conv_cfg,
                upsample_cfg=self.upsample_cfg)
            if i < cfg['num_modules'] - 1:
                module = HRModule(cfg['num_branches'], block,
                                  cfg['num_blocks'], in_channels,
                                  cfg['num_channels'], True, **common)
            else:
                module = SingleOutputHRModule(
                    cfg['num_branches'], block, cfg['num_blocks'],
                    in_channels, cfg['num_channels'], out_branch, **common)
            modules.append(module)
            in_channels = module.in_channels
        return nn.Sequential(*modules), in_channels

    def forward(self, x: Tensor) -> Tuple[Tensor]:
        """Image ``(B, 3, H, W)`` -> ``((B, C, H/s, W/s),)``, ``s`` =
        ``out_stride``."""
        x = self.relu(self.norm1(self.conv1(x)))
        x = self.relu(self.norm2(self.conv2(x)))
        y_list = [self.layer1(x)]
        for idx in (2, 3):
            transition = getattr(self, f'transition{idx - 1}')
            cfg = getattr(self, f'stage{idx}_cfg')
            x_list = []
            for i in range(cfg['num_branches']):
                if transition[i] is not None:
                    x_list.append(transition[i](y_list[-1]))
                else:
                    x_list.append(y_list[i])
            y_list = getattr(self, f'stage{idx}')(x_list)
        out = y_list[0]
        if self.downsample is not None:
            out = self.downsample(out)
        return (out, )

    def train(self, mode: bool = True) -> 'LightPoseHRNet':
        """As HRNet's, but returns ``self`` (so that ``.eval()`` chains)."""
        super().train(mode)
        return self
