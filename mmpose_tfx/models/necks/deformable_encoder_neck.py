"""Multi-level deformable Transformer encoder of TFPose (Mao et al., 2021),
section 3.2 and Fig. 3.

Backbone levels ``C_l`` ``(B, C_in_l, H_l, W_l)`` ->

1. a separate 1x1 convolution per level to ``C = embed_dims`` channels
   (followed by GroupNorm(32) as Deformable DETR's input projection, see
   decision 2 in docs/tfpose.md; ``proj_norm_cfg=None`` removes it);
2. the levels flattened (row-major) and concatenated into
   ``F_0 (B, n, C)`` with ``n = sum H_l * W_l``;
3. the position embedding ``E_l^L + E^P``: a learned level embedding per
   level plus the 2D sine pixel embedding of each token's location on its
   own level (Deformable DETR's normalised formula with cell-centre offset
   -0.5), added to queries only (``F_0^E``), never to values;
4. ``N_E`` Deformable-DETR encoder layers (mmdet's
   ``DeformableDetrTransformerEncoder``: mmcv's
   ``MultiScaleDeformableAttention`` with 8 heads and 4 points per level and
   head, FFN 1024, ReLU, dropout 0.1, post-norm), each token attending
   around its own location on every level ("p2p attention");
5. the memory ``M (B, n, C)`` split back into per-level maps.

Output: a tuple of ``(B, C, H_l, W_l)`` maps, one per selected level, in the
order of ``in_indices`` (the memory ``M`` in MMPose's multi-level neck
format; the last one is ``M_C5`` when C5 is the last level). With
``num_layers = 0`` (Tables 1-2) the memory is the projected features.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmcv.cnn import build_norm_layer
from mmcv.ops import MultiScaleDeformableAttention
from mmdet.models.layers.transformer import DeformableDetrTransformerEncoder
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from mmpose.utils.typing import OptConfigType
from torch import Tensor, nn

from .transformer_encoder_neck import sine_position_embedding


def flatten_levels(maps: Sequence[Tensor]
                   ) -> Tuple[Tensor, Tensor, Tensor]:
    """Per-level maps ``(B, C, H_l, W_l)`` -> tokens ``(B, n, C)`` (levels
    concatenated, each row-major), ``spatial_shapes (L, 2)`` as ``(H, W)``
    and ``level_start_index (L,)``, the inputs of mmcv's
    ``MultiScaleDeformableAttention``."""
    tokens = torch.cat([m.flatten(2).transpose(1, 2) for m in maps], dim=1)
    device = tokens.device
    spatial_shapes = torch.as_tensor([tuple(m.shape[-2:]) for m in maps],
                                     dtype=torch.long, device=device)
    sizes = spatial_shapes.prod(1)
    level_start_index = torch.cat(
        (sizes.new_zeros(1), sizes.cumsum(0)[:-1]))
    return tokens, spatial_shapes, level_start_index


def split_levels(tokens: Tensor, shapes: Sequence[Tuple[int, int]]
                 ) -> Tuple[Tensor, ...]:
    """Inverse of :func:`flatten_levels`: ``(B, n, C)`` -> maps."""
    b, _, c = tokens.shape
    parts = tokens.split([h * w for h, w in shapes], dim=1)
    return tuple(
        p.transpose(1, 2).reshape(b, c, h, w)
        for p, (h, w) in zip(parts, shapes))


@MODELS.register_module()
class DeformableEncoderNeck(BaseModule):
    """TFPose's multi-level deformable encoder.

    Args:
        in_channels (Sequence[int]): Channels of the selected backbone
            levels (ResNet-50 C2-C5: 256, 512, 1024, 2048).
        in_indices (Sequence[int], optional): Which backbone outputs to use,
            in order; default all of them. TFPose's configs pass C2-C5 out
            of the backbone and select C3-C5 with an encoder, C2-C5 without
            (docs/tfpose.md, decision 1).
        embed_dims (int): ``C`` (256; Table 2 ablates 128).
        num_layers (int): ``N_E`` (0 allowed: projections only).
        num_heads (int): Attention heads (8, Deformable DETR).
        num_points (int): Sampling points per level and head (4).
        feedforward_channels (int): FFN hidden units (1024, Deformable
            DETR).
        dropout (float): Dropout of attention output and FFN (0.1).
        proj_norm_cfg (dict, optional): Norm after each 1x1 projection
            (Deformable DETR: GroupNorm(32)); ``None`` for a plain conv.
        pos_temperature (float): Sine embedding temperature (10000).
        pos_offset (float): Sine embedding offset (-0.5, Deformable DETR).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 in_indices: Optional[Sequence[int]] = None,
                 embed_dims: int = 256,
                 num_layers: int = 6,
                 num_heads: int = 8,
                 num_points: int = 4,
                 feedforward_channels: int = 1024,
                 dropout: float = 0.1,
                 proj_norm_cfg: OptConfigType = dict(
                     type='GN', num_groups=32),
                 pos_temperature: float = 10000.,
                 pos_offset: float = -0.5,
                 init_cfg: OptConfigType = None):
        super().__init__(init_cfg=init_cfg)
        self.in_channels = list(in_channels)
        self.in_indices = list(range(len(self.in_channels))) \
            if in_indices is None else list(in_indices)
        if len(self.in_indices) != len(self.in_channels) or \
                not self.in_channels:
            raise ValueError(f'in_channels {self.in_channels} must give one '
                             f'entry per selected level {self.in_indices}')
        if num_layers < 0:
            raise ValueError(f'num_layers must be >= 0, got {num_layers}')
        if embed_dims % 4 != 0:
            raise ValueError('the 2D sine pixel embedding needs embed_dims '
                             f'divisible by 4, got {embed_dims}')
        self.num_levels = len(self.in_channels)
        self.embed_dims = embed_dims
        self.num_layers = num_layers
        self.pos_temperature = pos_temperature
        self.pos_offset = pos_offset

        self.input_proj = nn.ModuleList()
        for c in self.in_channels:
            layers = [nn.Conv2d(c, embed_dims, kernel_size=1)]
            if proj_norm_cfg is not None:
                layers.append(build_norm_layer(proj_norm_cfg, embed_dims)[1])
            self.input_proj.append(nn.Sequential(*layers))

        if num_layers > 0:
            self.level_embed = nn.Parameter(
                torch.zeros(self.num_levels, embed_dims))
            self.encoder = DeformableDetrTransformerEncoder(
                num_layers=num_layers,
                layer_cfg=dict(
                    self_attn_cfg=dict(
                        embed_dims=embed_dims,
                        num_heads=num_heads,
                        num_levels=self.num_levels,
                        num_points=num_points,
                        dropout=dropout,
                        batch_first=True),
                    ffn_cfg=dict(
                        embed_dims=embed_dims,
                        feedforward_channels=feedforward_channels,
                        ffn_drop=dropout,
                        act_cfg=dict(type='ReLU', inplace=True))))
        else:
            # no attention, so no position / level embedding is used
            self.level_embed = None
            self.encoder = None
        self._pos_cache: Dict[Tuple[int, int], Tensor] = {}

    def init_weights(self) -> None:
        """Deformable DETR's initialisation: xavier-uniform projections
        (bias 0) and encoder matrices, mmcv's own init of every deformable
        attention (offset grid, zero attention weights), N(0, 1) level
        embedding; an ``init_cfg`` (e.g. a checkpoint) takes precedence."""
        super().init_weights()
        if self.init_cfg is not None:
            return
        for proj in self.input_proj:
            nn.init.xavier_uniform_(proj[0].weight)
            nn.init.zeros_(proj[0].bias)
        if self.encoder is not None:
            for p in self.encoder.parameters():
                if p.dim() > 1:
                    nn.init.xavier_uniform_(p)
            for m in self.encoder.modules():
                if isinstance(m, MultiScaleDeformableAttention):
                    m.init_weights()
            nn.init.normal_(self.level_embed)

    def pixel_embedding(self, h: int, w: int, device: torch.device,
                        dtype: torch.dtype) -> Tensor:
        """2D sine pixel embedding ``E^P`` of one level, ``(h*w, C)``."""
        key = (h, w)
        if key not in self._pos_cache:
            self._pos_cache[key] = sine_position_embedding(
                h, w, self.embed_dims, temperature=self.pos_temperature,
                offset=self.pos_offset)
        return self._pos_cache[key].to(device=device, dtype=dtype)

    def _select(self, inputs: Sequence[Tensor]) -> List[Tensor]:
        if isinstance(inputs, Tensor):
            inputs = (inputs, )
        try:
            feats = [inputs[i] for i in self.in_indices]
        except IndexError:
            raise ValueError(f'in_indices {self.in_indices} out of range for '
                             f'{len(inputs)} backbone outputs') from None
        got = [tuple(f.shape) for f in feats]
        if any(f.dim() != 4 for f in feats) or \
                [f.shape[1] for f in feats] != self.in_channels:
            raise ValueError('DeformableEncoderNeck expects (B, C, H, W) '
                             f'maps with C = {self.in_channels}, got {got}')
        return feats

    def forward(self, inputs: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        """Backbone outputs -> memory as per-level ``(B, C, H_l, W_l)``."""
        srcs = [proj(f) for proj, f in zip(self.input_proj,
                                           self._select(inputs))]
        if self.encoder is None:
            return tuple(srcs)
        shapes = [tuple(s.shape[-2:]) for s in srcs]
        tokens, spatial_shapes, level_start_index = flatten_levels(srcs)
        pos = torch.cat([
            self.pixel_embedding(h, w, tokens.device, tokens.dtype) +
            self.level_embed[lvl] for lvl, (h, w) in enumerate(shapes)
        ])[None]
        valid_ratios = tokens.new_ones(tokens.shape[0], self.num_levels, 2)
        memory = self.encoder(
            query=tokens,
            query_pos=pos,
            key_padding_mask=None,
            spatial_shapes=spatial_shapes,
            level_start_index=level_start_index,
            valid_ratios=valid_ratios)
        return split_levels(memory, shapes)
