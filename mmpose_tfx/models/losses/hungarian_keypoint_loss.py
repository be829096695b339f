"""Set loss of PRTR's keypoint-detection transformer (section 3.2).

Given the Hungarian assignment ``sigma`` of the J joints to the Q queries of
one decoder layer:

- classification: cross-entropy over ``J + 1`` classes for *all* Q queries;
  query ``sigma(j)`` has target ``j``, every other query the background
  class ``J``. "To address the class imbalance caused by the background
  class, as in [DETR], we set the weight of its log-probability term to
  0.1". As DETR, the loss is the class-weighted mean
  ``sum_q w_{t_q} * nll_q / sum_q w_{t_q}`` over the batch;
- coordinates: L1 distance (summed over ``u, v``, normalised input
  coordinates) between each matched query and its joint, weighted by the
  keypoint weight (visibility), summed over the batch and divided by
  ``coord_normalizer``:

  - ``'num_instances'`` (default, the PRTR reference): ``2 * B``. The
    reference averages the weighted L1 over ``B x J x 2`` entries and
    multiplies by the number of joint classes ``J``, which is the same
    number. The paper states no normalisation, so the reference's wins
    (decision 4 in docs/prtr.md).
  - ``'num_labelled'``: the total keypoint weight of the batch (the number
    of labelled joints for 0/1 weights, at least 1, so a batch without any
    labelled joint gives 0, not NaN), as DETR divides its box L1 by the
    number of boxes. With all 17 COCO joints labelled this is ``8.5 x``
    smaller than ``'num_instances'`` relative to the cross-entropy. The
    end-to-end configs keep it (their recipe predates the switch).

``loss = loss_weight_cls * CE + loss_weight_coord * L1`` with weights 1 and
5 (reference facts; the paper says the loss replaces ``-p`` in eq. 2 by
``-log p`` and does not print the weights).
"""
from typing import Dict

import torch
import torch.nn.functional as F
from mmpose.registry import MODELS
from torch import Tensor, nn


@MODELS.register_module()
class HungarianKeypointLoss(nn.Module):
    """Cross-entropy over J+1 classes + visibility-weighted L1 on matches.

    Args:
        num_keypoints (int): ``J``.
        bg_cls_weight (float): Weight of the background class in the
            cross-entropy (PRTR / DETR: 0.1).
        loss_weight_cls (float): Weight of the cross-entropy (1).
        loss_weight_coord (float): Weight of the L1 term (5).
        coord_normalizer (str): Divisor of the summed, weighted L1:
            ``'num_instances'`` (``2 * B``, the reference's) or
            ``'num_labelled'`` (the batch's total keypoint weight).
    """

    COORD_NORMALIZERS = ('num_instances', 'num_labelled')

    def __init__(self,
                 num_keypoints: int,
                 bg_cls_weight: float = 0.1,
                 loss_weight_cls: float = 1.0,
                 loss_weight_coord: float = 5.0,
                 coord_normalizer: str = 'num_instances'):
        super().__init__()
        if num_keypoints < 1:
            raise ValueError(
                f'num_keypoints must be >= 1, got {num_keypoints}')
        if bg_cls_weight < 0:
            raise ValueError(
                f'bg_cls_weight must be >= 0, got {bg_cls_weight}')
        if coord_normalizer not in self.COORD_NORMALIZERS:
            raise ValueError(
                f'coord_normalizer must be one of {self.COORD_NORMALIZERS}, '
                f'got {coord_normalizer!r}')
        self.coord_normalizer = coord_normalizer
        self.num_keypoints = num_keypoints
        self.bg_cls_weight = bg_cls_weight
        self.loss_weight_cls = loss_weight_cls
        self.loss_weight_coord = loss_weight_coord
        class_weight = torch.ones(num_keypoints + 1)
        class_weight[-1] = bg_cls_weight
        self.register_buffer('class_weight', class_weight, persistent=False)

    def forward(self, cls_logits: Tensor, coords: Tensor, indices: Tensor,
                gt_coords: Tensor, gt_weights: Tensor) -> Dict[str, Tensor]:
        """Loss of one decoder layer.

        Args:
            cls_logits (Tensor): ``(B, Q, J + 1)`` logits, background last.
            coords (Tensor): ``(B, Q, 2)`` predicted normalised coordinates.
            indices (Tensor): ``(B, J)`` matched query of every joint.
            gt_coords (Tensor): ``(B, J, 2)`` normalised ground truth.
            gt_weights (Tensor): ``(B, J)`` keypoint weights.

        Returns:
            dict: ``loss_cls`` and ``loss_kpt`` (already weighted).
        """
        b, q, c = cls_logits.shape
        j = self.num_keypoints
        if c != j + 1:
            raise ValueError(f'expected {j + 1} class logits (J + background),'
                             f' got {c}')
        if indices.shape != (b, j) or gt_coords.shape != (b, j, 2) or \
                gt_weights.shape != (b, j) or coords.shape != (b, q, 2):
            raise ValueError(
                'shape mismatch: logits (B, Q, J+1) = '
                f'{tuple(cls_logits.shape)}, coords {tuple(coords.shape)}, '
                f'indices {tuple(indices.shape)}, gt_coords '
                f'{tuple(gt_coords.shape)}, gt_weights '
                f'{tuple(gt_weights.shape)}')
        # classification targets: background except the matched queries
        target = torch.full((b, q), j, dtype=torch.long,
                            device=cls_logits.device)
        joint_ids = torch.arange(j, device=cls_logits.device).expand(b, j)
        target.scatter_(1, indices, joint_ids)
        loss_cls = F.cross_entropy(
            cls_logits.reshape(b * q, c), target.reshape(b * q),
            weight=self.class_weight.to(cls_logits.dtype))

        # coordinates of the matched queries
        matched = coords.gather(1, indices[..., None].expand(b, j, 2))
        w = gt_weights.to(coords.dtype)
        valid = w > 0
        # zero the labels of unweighted joints first: where() after the
        # product would still back-propagate 0 * NaN = NaN
        gt = torch.where(valid[..., None], gt_coords.to(coords.dtype),
                         torch.zeros_like(matched))
        l1 = (matched - gt).abs().sum(-1) * torch.where(
            valid, w, torch.zeros_like(w))  # (B, J)
        if self.coord_normalizer == 'num_instances':
            # the reference: mean over B x J x 2, times J
            loss_kpt = l1.sum() / (2. * max(b, 1))
        else:
            loss_kpt = l1.sum() / w[valid].sum().clamp(min=1.)
        return dict(
            loss_cls=self.loss_weight_cls * loss_cls,
            loss_kpt=self.loss_weight_coord * loss_kpt)
