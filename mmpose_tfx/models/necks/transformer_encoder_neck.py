"""Transformer encoder neck of TransPose (Yang et al., ICCV 2021), section 3.

The neck turns a CNN feature map ``(B, C, H, W)`` into a feature map
``(B, d, H, W)`` of the same spatial size after N self-attention layers:

1. an optional bias-free 1x1 convolution ``C -> d`` (TransPose's reference puts
   it at the end of ResNet-S / HRNet-S; here it belongs to the neck so that the
   backbones stay plain truncated ImageNet networks; the parameter count is
   the same);
2. flatten to a sequence of ``L = H * W`` tokens;
3. N encoder layers, the 2D position embedding added to queries and keys of
   every layer (not to values), as in the reference (DETR style);
4. reshape back to ``(B, d, H, W)``.

The attention of every layer can be returned (averaged over heads, one
``(B, L, L)`` matrix per layer, rows summing to 1): row ``i`` is the
"dependency area" of location ``i`` (paper eq. 3). Without that request the
layers run PyTorch's fused scaled-dot-product attention.
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmpose.registry import MODELS
from mmpose.utils.typing import OptConfigType


def sine_position_embedding(h: int, w: int, embed_dims: int,
                            temperature: float = 10000.,
                            offset: float = 0.) -> Tensor:
    """2D sine position embedding of TransPose / DETR, shape ``(h*w, d)``.

    Positions ``1..h`` / ``1..w`` (plus ``offset``) are normalised to
    ``(0, 2*pi]`` along each axis; the first ``d/2`` channels encode y, the
    last ``d/2`` encode x, each as interleaved ``sin(p / T^(2i/(d/2))),
    cos(p / T^(2i/(d/2)))`` pairs. Computed with mmdet's
    ``SinePositionalEncoding`` (``normalize=True``), which implements exactly
    this formula; ``offset=-0.5`` is Deformable DETR's variant (cell
    centres). Token order is row-major (``index = y * w + x``).
    """
    if embed_dims % 4 != 0:
        raise ValueError('the 2D sine position embedding needs embed_dims '
                         f'divisible by 4, got {embed_dims}')
    from mmdet.models.layers import SinePositionalEncoding
    encoder = SinePositionalEncoding(
        num_feats=embed_dims // 2,
        temperature=temperature,
        normalize=True,
        offset=offset)
    mask = torch.zeros(1, h, w, dtype=torch.bool)
    pos = encoder(mask)  # (1, d, h, w)
    return pos.flatten(2).transpose(1, 2)[0].contiguous()


class TransformerEncoderLayer(BaseModule):
    """One encoder layer: multi-head self-attention + FFN with residuals.

    Args:
        embed_dims (int): Token dimension ``d``.
        num_heads (int): Attention heads.
        feedforward_channels (int): Hidden units ``h`` of the FFN.
        dropout (float): Dropout in attention weights, after the attention
            and inside / after the FFN (TransPose: 0.1).
        norm_first (bool): ``False`` is post-norm (TransPose reference, DETR),
            ``True`` is pre-norm.
        act_cfg (dict): FFN activation (TransPose: ReLU).
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 feedforward_channels: int,
                 dropout: float = 0.1,
                 norm_first: bool = False,
                 act_cfg: dict = dict(type='ReLU'),
                 init_cfg: OptConfigType = None):
        super().__init__(init_cfg=init_cfg)
        if embed_dims % num_heads != 0:
            raise ValueError(f'embed_dims ({embed_dims}) must be divisible by '
                             f'num_heads ({num_heads})')
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.norm_first = norm_first
        self.self_attn = nn.MultiheadAttention(
            embed_dims, num_heads, dropout=dropout, batch_first=True)
        self.linear1 = nn.Linear(embed_dims, feedforward_channels)
        self.linear2 = nn.Linear(feedforward_channels, embed_dims)
        self.norm1 = nn.LayerNorm(embed_dims)
        self.norm2 = nn.LayerNorm(embed_dims)
        self.dropout = nn.Dropout(dropout)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.activation = MODELS.build(act_cfg)

    def _attention(self, x: Tensor, pos: Optional[Tensor],
                   need_weights: bool) -> Tuple[Tensor, Optional[Tensor]]:
        q = k = x if pos is None else x + pos
        out, attn = self.self_attn(
            q, k, x, need_weights=need_weights, average_attn_weights=True)
        return self.dropout1(out), attn

    def _ffn(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)

    def forward(self,
                x: Tensor,
                pos: Optional[Tensor] = None,
                need_weights: bool = False
                ) -> Tuple[Tensor, Optional[Tensor]]:
        """Run the layer.

        Args:
            x (Tensor): Tokens ``(B, L, d)``.
            pos (Tensor, optional): Position embedding ``(1 or B, L, d)``,
                added to queries and keys.
            need_weights (bool): Also return the head-averaged attention
                ``(B, L, L)`` (explicit softmax path instead of fused).

        Returns:
            tuple: Tokens ``(B, L, d)`` and the attention (or ``None``).
        """
        if self.norm_first:
            a, attn = self._attention(self.norm1(x), pos, need_weights)
            x = x + a
            x = x + self._ffn(self.norm2(x))
        else:
            a, attn = self._attention(x, pos, need_weights)
            x = self.norm1(x + a)
            x = self.norm2(x + self._ffn(x))
        return x, attn


@MODELS.register_module()
class TransformerEncoderNeck(BaseModule):
    """TransPose's Transformer encoder over a CNN feature map.

    Args:
        in_channels (int): Channels ``C`` of the selected backbone output.
        embed_dims (int): Token dimension ``d`` (Table 1's ``d``).
        num_layers (int): Encoder layers ``N`` (the "A3"/"A4"/"A6").
        num_heads (int): Attention heads (Table 1's "Heads").
        feedforward_channels (int): FFN hidden units (Table 1's ``h``).
        feat_size (tuple[int, int]): ``(H, W)`` of the feature map at the
            training input size (e.g. ``(32, 24)`` for 256x192 at stride 8).
            Fixes the shape of the stored position embedding; other sizes at
            run time are handled (sine: recomputed, learnable: bilinearly
            resized).
        pos_embed (str): ``'sine'`` (default, frozen, stored as a parameter
            with ``requires_grad=False`` as in the reference, so it counts in
            the paper's parameter numbers), ``'learnable'`` or ``'none'``.
        dropout (float): Dropout of attention and FFN. Defaults to 0.1.
        norm_first (bool): Pre-norm if True; default post-norm (reference).
        act_cfg (dict): FFN activation. Defaults to ReLU.
        in_index (int): Which backbone output to use. Defaults to -1.
        input_proj_bias (bool): Bias of the 1x1 input projection
            (reference: none). Ignored when ``in_channels == embed_dims``
            and ``input_proj=False``.
        input_proj (bool | None): Whether to apply the 1x1 projection; by
            default only when ``in_channels != embed_dims``.
        input_proj_init_std (float, optional): Initialise the projection
            with ``N(0, std)`` (bias 0). ``None`` (default) keeps PyTorch's
            default initialisation. The TransPose reference initialises it
            with ``N(0, 0.001)`` for TP-H (every convolution outside the
            pretrained backbone) and leaves PyTorch's default for TP-R
            (docs/transpose.md, decision 2).
    """

    def __init__(self,
                 in_channels: int,
                 embed_dims: int = 256,
                 num_layers: int = 4,
                 num_heads: int = 8,
                 feedforward_channels: int = 1024,
                 feat_size: Sequence[int] = (32, 24),
                 pos_embed: str = 'sine',
                 dropout: float = 0.1,
                 norm_first: bool = False,
                 act_cfg: dict = dict(type='ReLU'),
                 in_index: int = -1,
                 input_proj_bias: bool = False,
                 input_proj: Optional[bool] = None,
                 input_proj_init_std: Optional[float] = None,
                 init_cfg: OptConfigType = None):
        super().__init__(init_cfg=init_cfg)
        if pos_embed not in ('sine', 'learnable', 'none'):
            raise ValueError("pos_embed must be 'sine', 'learnable' or "
                             f"'none', got {pos_embed!r}")
        if len(feat_size) != 2 or min(feat_size) < 1:
            raise ValueError(f'feat_size must be (H, W) > 0, got {feat_size}')
        if num_layers < 1:
            raise ValueError(f'num_layers must be >= 1, got {num_layers}')
        self.in_channels = in_channels
        self.embed_dims = embed_dims
        self.num_layers = num_layers
        self.feat_size = tuple(int(s) for s in feat_size)
        self.pos_embed_type = pos_embed
        self.in_index = in_index

        if input_proj is None:
            input_proj = in_channels != embed_dims
        self.input_proj = nn.Conv2d(
            in_channels, embed_dims, 1,
            bias=input_proj_bias) if input_proj else nn.Identity()
        if not input_proj and in_channels != embed_dims:
            raise ValueError('input_proj=False needs in_channels == '
                             f'embed_dims, got {in_channels} != {embed_dims}')
        if input_proj_init_std is not None and input_proj_init_std <= 0:
            raise ValueError('input_proj_init_std must be > 0 (or None for '
                             f"PyTorch's default), got {input_proj_init_std}")
        self.input_proj_init_std = input_proj_init_std

        h, w = self.feat_size
        if pos_embed == 'sine':
            self.pos_embed = nn.Parameter(
                sine_position_embedding(h, w, embed_dims)[None],
                requires_grad=False)
        elif pos_embed == 'learnable':
            self.pos_embed = nn.Parameter(torch.zeros(1, h * w, embed_dims))
        else:
            self.pos_embed = None

        self.layers = nn.ModuleList([
            TransformerEncoderLayer(
                embed_dims,
                num_heads,
                feedforward_channels,
                dropout=dropout,
                norm_first=norm_first,
                act_cfg=act_cfg) for _ in range(num_layers)
        ])
        # pre-norm stacks end with a final LayerNorm (as in DETR's encoder)
        self.final_norm = nn.LayerNorm(embed_dims) if norm_first else None

    def init_weights(self) -> None:
        """As the TransPose reference: Xavier-uniform for every matrix of the
        encoder layers, standard normal N(0, 1) for a learnable position
        embedding (reference: ``torch.randn``), ``N(0, input_proj_init_std)``
        for the input projection when given (TP-H)."""
        super().init_weights()
        if self.init_cfg is not None:
            return
        for layer in self.layers:
            for p in layer.parameters():
                if p.dim() > 1:
                    nn.init.xavier_uniform_(p)
        if self.pos_embed_type == 'learnable':
            nn.init.normal_(self.pos_embed, std=1.0)
        if self.input_proj_init_std is not None and isinstance(
                self.input_proj, nn.Conv2d):
            nn.init.normal_(self.input_proj.weight,
                            std=self.input_proj_init_std)
            if self.input_proj.bias is not None:
                nn.init.zeros_(self.input_proj.bias)

    def _pos_embed_for(self, h: int, w: int, device, dtype) -> Optional[Tensor]:
        """Position embedding ``(1, h*w, d)`` for a feature map of (h, w)."""
        if self.pos_embed is None:
            return None
        if (h, w) == self.feat_size:
            return self.pos_embed.to(dtype)
        if self.pos_embed_type == 'sine':
            return sine_position_embedding(h, w, self.embed_dims).to(
                device=device, dtype=dtype)[None]
        fh, fw = self.feat_size
        grid = self.pos_embed.transpose(1, 2).reshape(1, self.embed_dims, fh,
                                                      fw)
        grid = F.interpolate(grid, size=(h, w), mode='bilinear',
                             align_corners=False)
        return grid.flatten(2).transpose(1, 2).to(dtype)

    def _select(self, inputs: Union[Tensor, Sequence[Tensor]]) -> Tensor:
        x = inputs if isinstance(inputs, Tensor) else inputs[self.in_index]
        if x.dim() != 4:
            raise ValueError('TransformerEncoderNeck expects a (B, C, H, W) '
                             f'feature map, got shape {tuple(x.shape)}')
        if x.shape[1] != self.in_channels:
            raise ValueError(f'TransformerEncoderNeck built for in_channels='
                             f'{self.in_channels}, got a feature map with '
                             f'{x.shape[1]} channels')
        return x

    def forward_with_attention(
            self, inputs: Union[Tensor, Sequence[Tensor]]
    ) -> Tuple[Tuple[Tensor], List[Tensor]]:
        """Forward and also return every layer's attention.

        Returns:
            tuple: ``((feat,), attn)`` with ``feat`` of shape
            ``(B, d, H, W)`` and ``attn`` a list of ``num_layers`` tensors
            ``(B, H*W, H*W)``, averaged over heads, rows summing to 1; row
            ``i = y * W + x`` is the dependency area of location ``(x, y)``.
        """
        return self._forward(inputs, need_weights=True)

    def forward(self, inputs: Union[Tensor, Sequence[Tensor]]
                ) -> Tuple[Tensor]:
        """Encode ``inputs[in_index]`` ``(B, C, H, W)`` -> ``((B, d, H, W),)``."""
        return self._forward(inputs, need_weights=False)[0]

    def _forward(self, inputs, need_weights: bool):
        x = self.input_proj(self._select(inputs))
        b, d, h, w = x.shape
        pos = self._pos_embed_for(h, w, x.device, x.dtype)
        tokens = x.flatten(2).transpose(1, 2)  # (B, L, d), row-major
        attn_maps = []
        for layer in self.layers:
            tokens, attn = layer(tokens, pos, need_weights=need_weights)
            if need_weights:
                attn_maps.append(attn)
        if self.final_norm is not None:
            tokens = self.final_norm(tokens)
        feat = tokens.transpose(1, 2).reshape(b, d, h, w)
        return (feat, ), attn_maps
