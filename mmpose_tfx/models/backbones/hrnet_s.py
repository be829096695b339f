"""HRNet-S: the first three stages of HRNet, as TransPose-H uses it.

TransPose (section 3.1, supplementary, reference code) keeps HRNet's stem and
stages 1-3 and drops stage 4. The last module of stage 3 fuses its three
branches into the highest-resolution one only (sum of the 1/4 branch and the
upsampled 1/8 and 1/16 branches), so the backbone returns one ``(B, W, H/4,
W/4)`` map with ``W`` = 32 (HRNet-S-W32) or 48 (HRNet-S-W48) channels. The
1x1 projection to the transformer width lives in
:class:`~mmpose_tfx.models.necks.TransformerEncoderNeck`.

The building blocks (stem layout, transitions, HR modules) are MMPose's
:class:`mmpose.models.backbones.HRNet`; this class only stops after stage 3
and makes the last module fuse into one branch
(:class:`SingleOutputHRModule`, keys as HRNet's). ImageNet weights of the
full HRNet load into it unchanged (the stage-4 keys are reported as
unexpected and ignored). ``out_branch`` picks a lower-resolution branch
instead of 1/4; LightPose's backbone is built that way.
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
    HRNet weights load into it. With ``out_branch=0`` it computes exactly
    what MMPose's ``HRModule(multiscale_output=False)`` computes.

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
        self.multiscale_output = False  # one fused output
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
class HRNetS(HRNet):
    """HRNet truncated after stage 3 with a single output.

    Args:
        extra (dict): ``stage1``, ``stage2`` and ``stage3`` dicts as in
            :class:`mmpose.models.backbones.HRNet` (a ``stage4`` entry is
            rejected: HRNet-S has none).
        out_branch (int): The stage-3 branch the last module fuses into:
            0 (1/4, TransPose's HRNet-S, the default), or a lower-resolution
            branch (LightPose fuses into 1/16, see
            :class:`~mmpose_tfx.models.backbones.LightPoseHRNet`).
        Other args: as :class:`mmpose.models.backbones.HRNet`.

    Example:
        ``HRNetS(extra=dict(stage1=..., stage2=..., stage3=...))`` on a
        ``(B, 3, 256, 192)`` image returns ``((B, 32, 64, 48),)`` for W32.
    """

    def __init__(self,
                 extra: dict,
                 in_channels: int = 3,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 zero_init_residual: bool = False,
                 frozen_stages: int = -1,
                 out_branch: int = 0,
                 init_cfg=[
                     dict(type='Normal', std=0.001, layer=['Conv2d']),
                     dict(type='Constant', val=1,
                          layer=['_BatchNorm', 'GroupNorm'])
                 ]):
        name = type(self).__name__
        if 'stage4' in extra:
            raise ValueError(f'{name} stops after stage 3; remove "stage4" '
                             'from extra')
        for stage in ('stage1', 'stage2', 'stage3'):
            if stage not in extra:
                raise ValueError(f'{name} needs extra["{stage}"]')
        if not 0 <= out_branch < extra['stage3']['num_branches']:
            raise ValueError(
                f'{name}: out_branch must be a stage-3 branch index in '
                f"[0, {extra['stage3']['num_branches']}), got {out_branch}")
        if frozen_stages > 3:
            raise ValueError(f'{name} has 3 stages; frozen_stages must be '
                             f'<= 3, got {frozen_stages}')
        # HRNet.__init__ builds stage 4 unconditionally; build stem and
        # stages 1-3 here with its helper methods instead.
        BaseBackbone.__init__(self, init_cfg=init_cfg)
        self.extra = extra
        self.conv_cfg = conv_cfg
        self.norm_cfg = copy.deepcopy(norm_cfg)
        self.norm_eval = norm_eval
        self.with_cp = with_cp
        self.zero_init_residual = zero_init_residual
        self.frozen_stages = frozen_stages
        self.out_branch = out_branch
        self.upsample_cfg = extra.get('upsample', {
            'mode': 'nearest',
            'align_corners': None
        })

        # stem: two stride-2 3x3 convolutions (1/4 resolution)
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
                stage, pre_channels = self._make_last_stage(cfg, channels)
            setattr(self, f'stage{idx}', stage)
        self.out_channels = pre_channels[out_branch]
        self._freeze_stages()

    def _make_last_stage(self, cfg: dict, in_channels: List[int]
                         ) -> Tuple[nn.Sequential, List[int]]:
        """Stage 3: multi-scale HR modules, the last one fused into
        ``self.out_branch`` only."""
        block = self.blocks_dict[cfg['block']]
        common = dict(
            with_cp=self.with_cp,
            norm_cfg=self.norm_cfg,
            conv_cfg=self.conv_cfg,
            upsample_cfg=self.upsample_cfg)
        modules = []
        for i in range(cfg['num_modules']):
            if i < cfg['num_modules'] - 1:
                module = HRModule(cfg['num_branches'], block,
                                  cfg['num_blocks'], in_channels,
                                  cfg['num_channels'], True, **common)
            else:
                module = SingleOutputHRModule(
                    cfg['num_branches'], block, cfg['num_blocks'],
                    in_channels, cfg['num_channels'], self.out_branch,
                    **common)
            modules.append(module)
            in_channels = module.in_channels
        return nn.Sequential(*modules), in_channels

    def forward(self, x: Tensor) -> Tuple[Tensor]:
        """Image ``(B, 3, H, W)`` -> ``((B, C, H/s, W/s),)`` with ``s`` =
        4 * 2 ** ``out_branch``."""
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
        return (y_list[0], )

    def train(self, mode: bool = True) -> 'HRNetS':
        """As HRNet's, but returns ``self`` like ``nn.Module.train`` (so that
        ``model.eval()`` chains)."""
        super().train(mode)
        return self
