"""LOFR's part diversity constraint (eq. 11)."""
import torch
import torch.nn.functional as F
from mmpose.registry import MODELS
from torch import Tensor, nn


@MODELS.register_module()
class PartDiversityLoss(nn.Module):
    """Mean cosine similarity between the part features of different
    keypoints: ``1 / (C (C - 1)) sum_{i != j} <f_i, f_j> / (|f_i| |f_j|)``,
    averaged over the batch. 0 for mutually orthogonal part features, 1 when
    all are identical (up to positive scale).

    Args:
        loss_weight (float): ``beta`` (LOFR: 0.1).
        eps (float): Norm floor (a zero feature has similarity 0).
    """

    def __init__(self, loss_weight: float = 0.1, eps: float = 1e-6):
        super().__init__()
        self.loss_weight = loss_weight
        self.eps = eps

    def forward(self, part_feats: Tensor) -> Tensor:
        """``(B, C, D)`` part features -> scalar loss."""
        if part_feats.dim() != 3 or part_feats.shape[1] < 2:
            raise ValueError('PartDiversityLoss needs (B, C >= 2, D) part '
                             f'features, got {tuple(part_feats.shape)}')
        c = part_feats.shape[1]
        unit = F.normalize(part_feats, dim=-1, eps=self.eps)
        sim = unit @ unit.transpose(1, 2)  # (B, C, C)
        off = sim.sum((1, 2)) - sim.diagonal(dim1=1, dim2=2).sum(-1)
        return self.loss_weight * (off / (c * (c - 1))).mean()
