"""Semantic graph convolution over the skeleton (LOFR's RePPG, eq. 10, after
SemGCN, Zhao et al. CVPR 2019).

``F^(l+1) = W^(l+1) F^(l) phi(M_r (.) A)``: ``A`` is the skeleton adjacency
with self-loops (1 where two keypoints are linked or equal), ``M_r`` a
learnable ``C x C`` relation weight, and ``phi`` a softmax over each node's
neighbours only (entries outside ``A`` get weight exactly 0), so every node
aggregates a convex combination of its neighbours' transformed features.
Node features are stored row-wise here, ``(B, C, D)``.
"""
from typing import Sequence, Tuple

import torch
from torch import Tensor, nn


def skeleton_adjacency(num_nodes: int,
                       links: Sequence[Tuple[int, int]]) -> Tensor:
    """``(C, C)`` bool adjacency: linked keypoints and self-loops."""
    adj = torch.eye(num_nodes, dtype=torch.bool)
    for i, j in links:
        if not (0 <= i < num_nodes and 0 <= j < num_nodes):
            raise ValueError(f'skeleton link ({i}, {j}) is outside the '
                             f'{num_nodes} keypoints')
        adj[i, j] = adj[j, i] = True
    return adj


class SemanticGraphConv(nn.Module):
    """One graph convolution of eq. 10.

    Args:
        in_dims (int): Node feature size ``D_l``.
        out_dims (int): Output size ``D_{l+1}``.
        adjacency (Tensor): ``(C, C)`` bool, with self-loops.
    """

    def __init__(self, in_dims: int, out_dims: int, adjacency: Tensor):
        super().__init__()
        adjacency = adjacency.to(torch.bool)
        if adjacency.dim() != 2 or adjacency.shape[0] != adjacency.shape[1]:
            raise ValueError('adjacency must be a square (C, C) matrix, got '
                             f'{tuple(adjacency.shape)}')
        if not adjacency.diagonal().all():
            raise ValueError('adjacency needs self-loops (A_ii = 1)')
        self.linear = nn.Linear(in_dims, out_dims)
        self.register_buffer('adjacency', adjacency, persistent=False)
        # M_r: 1 everywhere -> uniform weights over each node's neighbours
        self.relation = nn.Parameter(torch.ones(adjacency.shape))

    def normalized_adjacency(self) -> Tensor:
        """``phi(M_r (.) A)``: ``(C, C)``, row ``i`` a distribution over the
        neighbours of node ``i`` (0 outside the adjacency)."""
        logits = self.relation.masked_fill(~self.adjacency, float('-inf'))
        return logits.softmax(dim=-1)

    def forward(self, x: Tensor) -> Tensor:
        """``(B, C, D_in)`` -> ``(B, C, D_out)``."""
        if x.shape[-2] != self.adjacency.shape[0]:
            raise ValueError(f'{x.shape[-2]} nodes given, the skeleton has '
                             f'{self.adjacency.shape[0]}')
        return self.normalized_adjacency() @ self.linear(x)
