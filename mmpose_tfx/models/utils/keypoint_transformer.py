"""DETR-style encoder-decoder transformer of PRTR's keypoint detector.

The encoder layer is the project's :class:`TransformerEncoderLayer`
(TransPose neck): self-attention with the 2D sine position embedding added
to queries and keys, FFN, residuals, post-norm by default. The decoder layer
below follows DETR (and the PRTR reference, which uses DETR's transformer):

1. self-attention among the Q hypotheses, the learned query embedding added
   to their queries and keys;
2. cross-attention from the hypotheses (+ query embedding) to the encoder
   memory (+ position embedding);
3. FFN; each sub-layer with residual, dropout and LayerNorm (post-norm).

The decoder returns the output of every layer passed through one shared
final LayerNorm (DETR's ``return_intermediate``), so the class / coordinate
heads can be applied to every layer (auxiliary losses, Fig. 4).

When the module is traced (FLOP counting) attention runs through its
explicit ``softmax(QK^T)V`` path so that the counter sees both products;
otherwise PyTorch's fused kernel is used. The result is the same.
"""
from typing import Optional, Tuple, Union

import torch
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from torch import Tensor, nn

from ..necks.transformer_encoder_neck import TransformerEncoderLayer


def _explicit_attention() -> bool:
    return torch.jit.is_tracing()


class TransformerDecoderLayer(BaseModule):
    """DETR decoder layer (self-attn, cross-attn, FFN).

    Args:
        embed_dims (int): Width ``d``.
        num_heads (int): Attention heads.
        feedforward_channels (int): FFN hidden units.
        dropout (float): Dropout (attention weights, sub-layer outputs, FFN).
        norm_first (bool): Pre-norm if True; default post-norm (reference).
        act_cfg (dict): FFN activation (ReLU).
    """

    def __init__(self,
                 embed_dims: int = 256,
                 num_heads: int = 8,
                 feedforward_channels: int = 2048,
                 dropout: float = 0.1,
                 norm_first: bool = False,
                 act_cfg: dict = dict(type='ReLU')):
        super().__init__()
        if embed_dims % num_heads != 0:
            raise ValueError(f'embed_dims ({embed_dims}) must be divisible by '
                             f'num_heads ({num_heads})')
        self.norm_first = norm_first
        self.self_attn = nn.MultiheadAttention(
            embed_dims, num_heads, dropout=dropout, batch_first=True)
        self.cross_attn = nn.MultiheadAttention(
            embed_dims, num_heads, dropout=dropout, batch_first=True)
        self.linear1 = nn.Linear(embed_dims, feedforward_channels)
        self.linear2 = nn.Linear(feedforward_channels, embed_dims)
        self.norm1 = nn.LayerNorm(embed_dims)
        self.norm2 = nn.LayerNorm(embed_dims)
        self.norm3 = nn.LayerNorm(embed_dims)
        self.dropout = nn.Dropout(dropout)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.dropout3 = nn.Dropout(dropout)
        self.activation = MODELS.build(act_cfg)

    def _self(self, x: Tensor, query_pos: Tensor) -> Tensor:
        q = k = x + query_pos
        out = self.self_attn(q, k, x, need_weights=_explicit_attention())[0]
        return self.dropout1(out)

    def _cross(self, x: Tensor, query_pos: Tensor, memory: Tensor,
               pos: Optional[Tensor], need_weights: bool = False
               ) -> Tuple[Tensor, Optional[Tensor]]:
        key = memory if pos is None else memory + pos
        out, weights = self.cross_attn(
            x + query_pos, key, memory,
            need_weights=need_weights or _explicit_attention(),
            average_attn_weights=True)
        return self.dropout2(out), (weights if need_weights else None)

    def _ffn(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout3(x)

    def forward(self,
                x: Tensor,
                memory: Tensor,
                query_pos: Tensor,
                pos: Optional[Tensor] = None,
                need_cross_weights: bool = False
                ) -> Union[Tensor, Tuple[Tensor, Tensor]]:
        """Refine the hypotheses.

        Args:
            x (Tensor): Hypotheses ``(B, Q, d)``.
            memory (Tensor): Encoder output ``(B, L, d)``.
            query_pos (Tensor): Query embedding ``(1 or B, Q, d)``.
            pos (Tensor, optional): Position embedding ``(1 or B, L, d)``.
            need_cross_weights (bool): Also return the cross-attention
                weights averaged over heads, ``(B, Q, L)``, rows summing to
                1 (LOFR's part response maps).

        Returns:
            Tensor: ``(B, Q, d)`` (and the weights if asked for).
        """
        if self.norm_first:
            x = x + self._self(self.norm1(x), query_pos)
            a, w = self._cross(self.norm2(x), query_pos, memory, pos,
                               need_cross_weights)
            x = x + a
            x = x + self._ffn(self.norm3(x))
        else:
            x = self.norm1(x + self._self(x, query_pos))
            a, w = self._cross(x, query_pos, memory, pos, need_cross_weights)
            x = self.norm2(x + a)
            x = self.norm3(x + self._ffn(x))
        return (x, w) if need_cross_weights else x


class KeypointDetectionTransformer(BaseModule):
    """Encoder (N layers) + decoder (M layers) over image tokens.

    Args:
        embed_dims (int): Width ``d`` (PRTR: 256).
        num_encoder_layers (int): Encoder layers (PRTR: 6).
        num_decoder_layers (int): Decoder layers (PRTR: 6).
        num_heads (int): Attention heads (PRTR: 8).
        feedforward_channels (int): FFN hidden units (PRTR: 2048).
        dropout (float): Dropout (DETR's default 0.1; the PRTR reference's
            configs use 0.0, the two-stage head's default).
        norm_first (bool): Pre-norm if True; default post-norm (reference).
        act_cfg (dict): FFN activation (ReLU).
    """

    def __init__(self,
                 embed_dims: int = 256,
                 num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6,
                 num_heads: int = 8,
                 feedforward_channels: int = 2048,
                 dropout: float = 0.1,
                 norm_first: bool = False,
                 act_cfg: dict = dict(type='ReLU')):
        super().__init__()
        if num_encoder_layers < 0 or num_decoder_layers < 1:
            raise ValueError('need >= 0 encoder and >= 1 decoder layers, got '
                             f'{num_encoder_layers} and {num_decoder_layers}')
        self.embed_dims = embed_dims
        self.encoder_layers = nn.ModuleList([
            TransformerEncoderLayer(embed_dims, num_heads,
                                    feedforward_channels, dropout=dropout,
                                    norm_first=norm_first, act_cfg=act_cfg)
            for _ in range(num_encoder_layers)
        ])
        # pre-norm encoders end with a LayerNorm (DETR); post-norm do not
        self.encoder_norm = nn.LayerNorm(embed_dims) if (
            norm_first and num_encoder_layers > 0) else None
        self.decoder_layers = nn.ModuleList([
            TransformerDecoderLayer(embed_dims, num_heads,
                                    feedforward_channels, dropout=dropout,
                                    norm_first=norm_first, act_cfg=act_cfg)
            for _ in range(num_decoder_layers)
        ])
        # DETR's decoder norm: applied to every returned layer output
        self.decoder_norm = nn.LayerNorm(embed_dims)

    def init_weights(self) -> None:
        """Xavier-uniform for every weight matrix (DETR / reference)."""
        super().init_weights()
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    def encode(self, tokens: Tensor, pos: Optional[Tensor]) -> Tensor:
        """``(B, L, d)`` image tokens -> ``(B, L, d)`` memory."""
        for layer in self.encoder_layers:
            tokens = layer(tokens, pos, need_weights=_explicit_attention())[0]
        if self.encoder_norm is not None:
            tokens = self.encoder_norm(tokens)
        return tokens

    def decode(self, memory: Tensor, pos: Optional[Tensor],
               query_embed: Tensor) -> Tensor:
        """Decode Q hypotheses, starting from zeros (DETR).

        Args:
            memory (Tensor): ``(B, L, d)``.
            pos (Tensor, optional): ``(1 or B, L, d)``.
            query_embed (Tensor): ``(Q, d)`` learned query embedding.

        Returns:
            Tensor: ``(M, B, Q, d)`` normalised output of every layer.
        """
        query_pos = query_embed[None]
        x = memory.new_zeros(memory.shape[0], query_embed.shape[0],
                             query_embed.shape[1])
        outs = []
        for layer in self.decoder_layers:
            x = layer(x, memory, query_pos, pos)
            outs.append(self.decoder_norm(x))
        return torch.stack(outs)

    def forward(self, tokens: Tensor, pos: Optional[Tensor],
                query_embed: Tensor) -> Tuple[Tensor, Tensor]:
        """Returns ``(hs, memory)``: ``(M, B, Q, d)`` and ``(B, L, d)``."""
        memory = self.encode(tokens, pos)
        return self.decode(memory, pos, query_embed), memory
