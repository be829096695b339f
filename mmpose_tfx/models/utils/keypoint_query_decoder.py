"""TFPose's keypoint-query decoder with iterative refinement (section 3.3,
eq. 4, Fig. 4).

``K`` learnable keypoint queries ``Q (K, C)`` (one per joint) with learnable
query position embeddings, and a learnable initial estimate ``y_0 (K, 2)``,
go through ``N_D`` decoder layers. Each layer (mmdet's
``DeformableDetrTransformerDecoderLayer``, post-norm):

1. q2q attention: self-attention among the K queries, values ``Q_{d-1}``,
   queries and keys ``Q_{d-1} + pos`` (switch ``q2q=False`` drops it and its
   LayerNorm, Table 1);
2. p2q attention: multi-scale deformable cross-attention (mmcv) from the
   queries (+ pos) to the memory ``M``, sampling around the reference point
   = the current estimate ``y_{d-1}`` on every level;
3. FFN.

After layer ``d`` an MLP (its own per layer, last layer zero-initialised)
predicts ``delta_d (K, 2)`` and ``y_d = sigmoid(inverse_sigmoid(y_{d-1}) +
delta_d)`` (eq. 4). Coordinates ``(u, v)`` are normalised by the input size
(the codec's frame, :class:`~mmpose_tfx.codecs.CoordinateRegressionLabel`);
they are used unchanged as the deformable attention's reference points
(docs/tfpose.md, decision 6).

Gradient through ``y_{d-1}`` (decision 5, Deformable DETR's iterative box
refinement): with ``detach_reference=True`` (default) the estimate of layer
``d >= 1`` enters layer ``d + 1`` (reference points and eq. 4's
``y_{d-1}``) detached, so each layer's L1 loss trains that layer's
refinement only; ``y_0`` is never detached (it is a parameter learned
through layer 1's loss and sampling locations).
"""
from typing import Optional

import torch
from mmcv.cnn import build_norm_layer
from mmcv.cnn.bricks.transformer import FFN
from mmcv.ops import MultiScaleDeformableAttention
from mmdet.models.layers.transformer import (
    MLP, DeformableDetrTransformerDecoderLayer, inverse_sigmoid)
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from torch import Tensor, nn


def refine_coordinates(prev: Tensor, delta: Tensor) -> Tensor:
    """Eq. 4: ``sigmoid(inverse_sigmoid(prev) + delta)``.

    ``prev`` in ``[0, 1]`` (clamped to ``[1e-5, 1 - 1e-5]`` before the
    inverse sigmoid, mmdet's ``inverse_sigmoid``), any shape; ``delta`` of
    the same shape."""
    return (inverse_sigmoid(prev) + delta).sigmoid()


class DecoderLayerWithoutQ2Q(DeformableDetrTransformerDecoderLayer):
    """mmdet's Deformable-DETR decoder layer without its self-attention
    block (q2q) and that block's LayerNorm: p2q cross-attention + FFN, each
    followed by its LayerNorm (Table 1's "no q2q")."""

    def _init_layers(self) -> None:
        self.cross_attn = MultiScaleDeformableAttention(**self.cross_attn_cfg)
        self.embed_dims = self.cross_attn.embed_dims
        self.ffn = FFN(**self.ffn_cfg)
        self.norms = nn.ModuleList([
            build_norm_layer(self.norm_cfg, self.embed_dims)[1]
            for _ in range(2)
        ])

    def forward(self,
                query: Tensor,
                key: Tensor = None,
                value: Tensor = None,
                query_pos: Tensor = None,
                key_pos: Tensor = None,
                self_attn_mask: Tensor = None,
                cross_attn_mask: Tensor = None,
                key_padding_mask: Tensor = None,
                **kwargs) -> Tensor:
        """Same arguments as the parent; ``self_attn_mask`` is unused."""
        query = self.cross_attn(
            query=query,
            key=key,
            value=value,
            query_pos=query_pos,
            key_pos=key_pos,
            attn_mask=cross_attn_mask,
            key_padding_mask=key_padding_mask,
            **kwargs)
        query = self.norms[0](query)
        return self.norms[1](self.ffn(query))


@MODELS.register_module()
class KeypointQueryDecoder(BaseModule):
    """TFPose's decoder: K keypoint queries refined over N_D layers.

    Args:
        num_keypoints (int): ``K``.
        embed_dims (int): ``C`` (256).
        num_layers (int): ``N_D`` (6).
        num_levels (int): Memory levels (3 for C3-C5, 4 for C2-C5).
        num_heads (int): Attention heads (8).
        num_points (int): Deformable sampling points per level and head (4).
        feedforward_channels (int): FFN hidden units (1024).
        dropout (float): Dropout (0.1, Deformable DETR).
        q2q (bool): Query-to-query self-attention (Table 1).
        refine_mlp_layers (int): Layers of each refinement MLP (3, as
            Deformable DETR's box-refinement branch).
        detach_reference (bool): Detach ``y_d`` (d >= 1) before the next
            layer (Deformable DETR); ``False`` lets gradients flow through.
        init_cfg (dict, optional): Initialisation config.

    ``forward`` returns ``(N_D, B, K, 2)``: the estimate ``y_d`` of every
    layer, ``(u, v)`` in ``[0, 1]`` normalised by the input size.
    """

    def __init__(self,
                 num_keypoints: int,
                 embed_dims: int = 256,
                 num_layers: int = 6,
                 num_levels: int = 3,
                 num_heads: int = 8,
                 num_points: int = 4,
                 feedforward_channels: int = 1024,
                 dropout: float = 0.1,
                 q2q: bool = True,
                 refine_mlp_layers: int = 3,
                 detach_reference: bool = True,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if num_layers < 1:
            raise ValueError(f'num_layers (N_D) must be >= 1, got '
                             f'{num_layers}')
        if num_keypoints < 1:
            raise ValueError(f'num_keypoints must be >= 1, got '
                             f'{num_keypoints}')
        self.num_keypoints = num_keypoints
        self.embed_dims = embed_dims
        self.num_layers = num_layers
        self.num_levels = num_levels
        self.q2q = q2q
        self.detach_reference = detach_reference

        self.query = nn.Embedding(num_keypoints, embed_dims)
        self.query_pos = nn.Embedding(num_keypoints, embed_dims)
        # y_0, stored as logits so that it stays in (0, 1)
        self.init_logits = nn.Parameter(torch.zeros(num_keypoints, 2))
        layer_cls = DeformableDetrTransformerDecoderLayer if q2q else \
            DecoderLayerWithoutQ2Q
        self.layers = nn.ModuleList([
            layer_cls(
                self_attn_cfg=dict(
                    embed_dims=embed_dims,
                    num_heads=num_heads,
                    dropout=dropout,
                    batch_first=True),
                cross_attn_cfg=dict(
                    embed_dims=embed_dims,
                    num_heads=num_heads,
                    num_levels=num_levels,
                    num_points=num_points,
                    dropout=dropout,
                    batch_first=True),
                ffn_cfg=dict(
                    embed_dims=embed_dims,
                    feedforward_channels=feedforward_channels,
                    ffn_drop=dropout,
                    act_cfg=dict(type='ReLU', inplace=True)))
            for _ in range(num_layers)
        ])
        self.refine_branches = nn.ModuleList([
            MLP(embed_dims, embed_dims, 2, refine_mlp_layers)
            for _ in range(num_layers)
        ])

    def init_weights(self) -> None:
        """Deformable DETR's scheme: xavier-uniform matrices, mmcv's own init
        of each deformable attention, zero last refinement layer (so every
        layer starts at ``y_0``); queries N(0, 1); ``y_0`` uniform in
        ``[0.05, 0.95]`` (the paper's "randomly-initialized matrix")."""
        super().init_weights()
        if self.init_cfg is not None:
            return
        for p in self.layers.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
        for m in self.layers.modules():
            if isinstance(m, MultiScaleDeformableAttention):
                m.init_weights()
        for branch in self.refine_branches:
            nn.init.zeros_(branch.layers[-1].weight)
            nn.init.zeros_(branch.layers[-1].bias)
        nn.init.normal_(self.query.weight)
        nn.init.normal_(self.query_pos.weight)
        with torch.no_grad():
            y0 = torch.empty_like(self.init_logits).uniform_(0.05, 0.95)
            self.init_logits.copy_(torch.log(y0 / (1 - y0)))

    def initial_estimate(self) -> Tensor:
        """``y_0 (K, 2)`` in ``(0, 1)``."""
        return self.init_logits.sigmoid()

    def forward(self, memory: Tensor, spatial_shapes: Tensor,
                level_start_index: Tensor) -> Tensor:
        """Decode the K keypoints.

        Args:
            memory (Tensor): ``M (B, n, C)``, levels concatenated.
            spatial_shapes (Tensor): ``(L, 2)`` as ``(H, W)`` per level.
            level_start_index (Tensor): ``(L,)``.

        Returns:
            Tensor: ``(N_D, B, K, 2)`` estimates ``y_1 .. y_{N_D}``.
        """
        b, _, c = memory.shape
        levels = spatial_shapes.shape[0]
        if c != self.embed_dims or levels != self.num_levels:
            raise ValueError(
                f'KeypointQueryDecoder built for C={self.embed_dims} and '
                f'{self.num_levels} levels, got memory {tuple(memory.shape)} '
                f'with {levels} levels')
        query = self.query.weight[None].expand(b, -1, -1)
        query_pos = self.query_pos.weight[None].expand(b, -1, -1)
        valid_ratios = memory.new_ones(b, levels, 2)
        estimate = self.initial_estimate()[None].expand(b, -1, -1)
        outputs = []
        for layer, branch in zip(self.layers, self.refine_branches):
            reference = estimate[:, :, None].expand(-1, -1, levels, -1)
            query = layer(
                query,
                query_pos=query_pos,
                value=memory,
                key_padding_mask=None,
                spatial_shapes=spatial_shapes,
                level_start_index=level_start_index,
                valid_ratios=valid_ratios,
                reference_points=reference)
            estimate = refine_coordinates(estimate, branch(query))
            outputs.append(estimate)
            if self.detach_reference:
                estimate = estimate.detach()
        return torch.stack(outputs)
