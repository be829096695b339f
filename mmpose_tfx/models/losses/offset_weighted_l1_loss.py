"""Offset-weighted L1 loss of LightPose (eq. 3)."""
from typing import Optional

from torch import Tensor, nn

from mmpose.registry import MODELS


@MODELS.register_module()
class OffsetWeightedL1Loss(nn.Module):
    """``L_off = 1/K sum_k W_k * |O_k - O^_k|`` (LightPose eq. 3).

    ``|O_k - O^_k|`` is the L1 distance of the 2-vector offsets (summed over
    the x and y channels) at every cell, weighted by ``W_k`` and summed over
    the cells. The result is divided by ``B * K * H * W``: eq. 3 averaged
    over the batch and divided by ``H * W``, the same normalisation MMPose's
    :class:`KeypointMSELoss` (a mean over pixels) applies to eq. 1, so that
    ``L_hm + loss_weight * L_off`` keeps the paper's balance ``alpha`` =
    ``loss_weight``.

    Args:
        loss_weight (float): ``alpha`` of eq. 4 (paper: 1.0).
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self,
                output: Tensor,
                target: Tensor,
                weights: Tensor,
                keypoint_weights: Optional[Tensor] = None) -> Tensor:
        """Compute the loss.

        Args:
            output (Tensor): Predicted offsets ``(B, 2K, H, W)`` (channels
                ``2k, 2k+1`` = x, y of keypoint ``k``).
            target (Tensor): Target offsets ``(B, 2K, H, W)``.
            weights (Tensor): Per-cell weights ``W_k`` ``(B, K, H, W)``.
            keypoint_weights (Tensor, optional): ``(B, K)`` multiplied into
                ``weights`` (e.g. visibility or dataset joint weights).

        Returns:
            Tensor: scalar loss.
        """
        if output.dim() != 4 or output.shape != target.shape:
            raise ValueError('output and target must both be (B, 2K, H, W), '
                             f'got {tuple(output.shape)} and '
                             f'{tuple(target.shape)}')
        b, c, h, w = output.shape
        if c % 2:
            raise ValueError(f'offset maps need 2K channels, got {c}')
        k = c // 2
        if tuple(weights.shape) != (b, k, h, w):
            raise ValueError(f'weights must be (B, K, H, W) = {(b, k, h, w)},'
                             f' got {tuple(weights.shape)}')
        if keypoint_weights is not None:
            if tuple(keypoint_weights.shape) != (b, k):
                raise ValueError(f'keypoint_weights must be (B, K) = '
                                 f'{(b, k)}, got '
                                 f'{tuple(keypoint_weights.shape)}')
            weights = weights * keypoint_weights[:, :, None, None]
        diff = (output - target).abs().reshape(b, k, 2, h, w).sum(dim=2)
        loss = (weights * diff).sum() / float(b * k * h * w)
        return loss * self.loss_weight

    def extra_repr(self) -> str:
        return f'loss_weight={self.loss_weight}'
