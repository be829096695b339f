"""Bipartite matching of keypoint types to queries (PRTR, section 3.2).

PRTR predicts ``Q`` keypoint hypotheses (queries) per person, each with a
class distribution over ``J`` keypoint types + background and a normalised
2D coordinate. Training and read-out both pick an injective map
``sigma: [J] -> [Q]`` (eq. 1) minimising the summed cost of the J pairs,
solved with scipy's ``linear_sum_assignment`` (Hungarian algorithm) per
instance:

- training (eq. 2):
  ``C[j, q] = w_class * (-p_q(j)) + w_coord * ||b_j - b_q||_1``
  with ``p_q`` the softmax over all ``J + 1`` classes (as DETR's matcher and
  the reference) and weights 1 and 5 (reference facts; the paper's eq. 2
  prints them as 1 and 1 without stating values);
- read-out (eq. 3): ``C[j, q] = -p_q(j)``, see :func:`readout_assignment`.

Joints whose keypoint weight is 0 (decision 3 in docs/prtr.md; the paper
is silent): every one of the J joints is matched, as in the reference. By
default (``coord_cost_unlabelled=True``, the reference) the L1 term covers
them too, measured to their label: the two-stage configs' codec labels a
joint without annotation ``(0, 0)`` (``zero_unlabelled=True``), the
reference's target for it; a non-finite label of such a joint is taken as
``(0, 0)`` as well. With ``coord_cost_unlabelled=False`` their L1 term is
dropped and they are matched on class probability alone.
"""
from typing import Tuple

import numpy as np
import torch
from mmpose.registry import TASK_UTILS
from scipy.optimize import linear_sum_assignment
from torch import Tensor


def solve_assignment(cost: Tensor) -> Tensor:
    """Minimum-cost injective assignment of rows to columns per matrix.

    Args:
        cost (Tensor): ``(..., J, Q)`` costs with ``J <= Q``, any device.

    Returns:
        Tensor: ``(..., J)`` int64 column (query) index of every row (joint),
        on ``cost``'s device; the indices of one matrix are distinct.

    Raises:
        ValueError: if ``J > Q`` or any cost is NaN or infinite (the
            Hungarian solver would otherwise fail or return garbage).
    """
    if cost.dim() < 2:
        raise ValueError('solve_assignment expects (..., J, Q) costs, got '
                         f'shape {tuple(cost.shape)}')
    num_rows, num_cols = cost.shape[-2:]
    if num_rows > num_cols:
        raise ValueError(f'cannot assign {num_rows} keypoint types to only '
                         f'{num_cols} queries injectively (need J <= Q)')
    with torch.no_grad():
        finite = torch.isfinite(cost)
        if not bool(finite.all()):
            bad = int((~finite).sum())
            raise ValueError(
                f'Hungarian matching got {bad} NaN/inf cost entries (of '
                f'{cost.numel()}): the predictions or the ground-truth '
                'coordinates of labelled keypoints are not finite')
        flat = cost.detach().reshape(-1, num_rows, num_cols).to(
            device='cpu', dtype=torch.float64).numpy()
    out = np.empty(flat.shape[:2], dtype=np.int64)
    for i, matrix in enumerate(flat):
        rows, cols = linear_sum_assignment(matrix)
        out[i, rows] = cols
    return torch.from_numpy(out).reshape(cost.shape[:-1]).to(cost.device)


def readout_assignment(cls_logits: Tensor,
                       with_background: bool = False
                       ) -> Tuple[Tensor, Tensor]:
    """PRTR read-out (eq. 3): match the J keypoint types to queries.

    The background logit (last class) is dropped *before* the softmax by
    default (section 4.3 / Table 5: keeping it costs 0.9-1.5 AP); with
    ``with_background=True`` the softmax runs over all J + 1 classes and the
    background probability is then discarded (the ablation).

    Args:
        cls_logits (Tensor): ``(B, Q, J + 1)`` class logits.
        with_background (bool): Include the background logit in the softmax.

    Returns:
        tuple: ``indices`` ``(B, J)`` query chosen for each keypoint type
        (distinct within an instance) and ``scores`` ``(B, J)`` its
        probability of that type.
    """
    if cls_logits.dim() != 3 or cls_logits.shape[-1] < 2:
        raise ValueError('readout_assignment expects (B, Q, J + 1) logits, '
                         f'got shape {tuple(cls_logits.shape)}')
    with torch.no_grad():
        if with_background:
            prob = cls_logits.softmax(-1)[..., :-1]
        else:
            prob = cls_logits[..., :-1].softmax(-1)  # (B, Q, J)
        indices = solve_assignment(-prob.transpose(1, 2))  # (B, J)
        # scores[b, j] = prob[b, indices[b, j], j]
        scores = prob.gather(1, indices[:, None, :]).squeeze(1)
    return indices, scores


@TASK_UTILS.register_module()
class KeypointHungarianMatcher:
    """Training-time matcher of PRTR (eq. 2).

    Args:
        cost_class (float): Weight of ``-p_q(j)``. Defaults to 1.
        cost_coord (float): Weight of the L1 coordinate distance (in
            normalised input coordinates). Defaults to 5.
        coord_cost_unlabelled (bool): Include the L1 term for joints of
            weight 0, measured to their label (non-finite labels count as
            ``(0, 0)``), as the reference does. ``False`` drops it, so they
            are matched on class probability alone. Defaults to True.
    """

    def __init__(self,
                 cost_class: float = 1.0,
                 cost_coord: float = 5.0,
                 coord_cost_unlabelled: bool = True):
        if cost_class < 0 or cost_coord < 0 or cost_class + cost_coord == 0:
            raise ValueError('matching cost weights must be >= 0 and not '
                             f'both 0, got {cost_class}, {cost_coord}')
        self.cost_class = float(cost_class)
        self.cost_coord = float(cost_coord)
        self.coord_cost_unlabelled = bool(coord_cost_unlabelled)

    def cost(self, cls_logits: Tensor, coords: Tensor, gt_coords: Tensor,
             gt_weights: Tensor) -> Tensor:
        """Matching cost ``(..., J, Q)``.

        Args:
            cls_logits (Tensor): ``(..., Q, J + 1)`` logits, background last.
            coords (Tensor): ``(..., Q, 2)`` predicted normalised ``(u, v)``.
            gt_coords (Tensor): ``(..., J, 2)`` ground truth (broadcast over
                the leading dims, e.g. decoder layers).
            gt_weights (Tensor): ``(..., J)`` keypoint weights.
        """
        num_joints = cls_logits.shape[-1] - 1
        if gt_coords.shape[-2:] != (num_joints, 2):
            raise ValueError(f'gt_coords must be (..., {num_joints}, 2) for '
                             f'{num_joints} keypoint classes, got '
                             f'{tuple(gt_coords.shape)}')
        if coords.shape[-1] != 2 or coords.shape[:-1] != cls_logits.shape[:-1]:
            raise ValueError('coords must be (..., Q, 2) matching the logits '
                             f'{tuple(cls_logits.shape)}, got '
                             f'{tuple(coords.shape)}')
        if gt_weights.shape != gt_coords.shape[:-1]:
            raise ValueError('gt_weights must be '
                             f'{tuple(gt_coords.shape[:-1])}, got '
                             f'{tuple(gt_weights.shape)}')
        prob = cls_logits.softmax(-1)[..., :num_joints]  # (..., Q, J)
        cost_cls = -prob.transpose(-1, -2)  # (..., J, Q)
        w = gt_weights[..., None].to(coords.dtype)  # (..., J, 1)
        labelled = w > 0
        gt = gt_coords.to(coords.dtype)
        # where(), not a product: a NaN label of an unlabelled joint must
        # not leak into the cost; it counts as the reference's (0, 0)
        gt = torch.where(labelled | torch.isfinite(gt), gt,
                         torch.zeros_like(gt))
        l1 = (gt[..., :, None, :] -
              coords[..., None, :, :]).abs().sum(-1)  # (..., J, Q)
        if self.coord_cost_unlabelled:
            # the reference: cdist over all joints, weights not applied
            cost_l1 = torch.where(labelled, l1 * w, l1)
        else:
            cost_l1 = torch.where(labelled, l1 * w, torch.zeros_like(l1))
        return self.cost_class * cost_cls + self.cost_coord * cost_l1

    def __call__(self, cls_logits: Tensor, coords: Tensor, gt_coords: Tensor,
                 gt_weights: Tensor) -> Tensor:
        """Match every joint to one query, without gradient.

        Returns:
            Tensor: ``(..., J)`` int64 query index per joint.
        """
        with torch.no_grad():
            cost = self.cost(cls_logits.detach(), coords.detach(),
                             gt_coords.detach(), gt_weights.detach())
            return solve_assignment(cost)
