"""TFPose's head (Mao et al., 2021, sections 3.3-3.4, Fig. 4).

Input: the memory ``M`` of :class:`~mmpose_tfx.models.necks
.DeformableEncoderNeck` as per-level maps ``(B, C, H_l, W_l)``.

- :class:`~mmpose_tfx.models.utils.KeypointQueryDecoder` turns it into the
  estimate of every decoder layer, ``(N_D, B, K, 2)``, coordinates
  normalised by the input size (this is ``forward`` / MMPose's ``tensor``
  mode).
- Loss (eq. 7): ``L_reg + lambda * L_aux``. ``L_reg`` (eq. 5) is the
  visibility-weighted L1 of *every* decoder layer's estimate (keys
  ``loss_kpt`` for the last layer, ``d{i}.loss_kpt`` for layer ``i``);
  ``L_aux`` is MSE between UDP Gaussian heatmaps and the auxiliary branch's
  output (key ``loss_aux_heatmap``, lambda = its ``loss_weight``, 50).
- Auxiliary branch (Fig. 4, "the heatmap branch is removed in inference"):
  the ``M_C5`` map (the last level of the memory) through three stride-2
  deconvolutions (x8) and a 1x1 convolution to ``(B, K, h/4, w/4)``
  heatmaps: MMPose's ``HeatmapHead`` (SimpleBaseline's head), used as a
  module. It is called only from :meth:`loss`: ``forward``, ``predict``
  and the exported ``tensor`` graph never compute it.
- Predict: the last layer's estimate; flip test averages it with the
  flipped pass mapped back (``u -> 1 - u - 1/w``) with left / right swapped
  (as PRTR here). Keypoint score: see :meth:`keypoint_scores` (decision 8
  in docs/tfpose.md).
"""
from typing import Sequence, Union

import numpy as np
import torch
from mmpose.evaluation.functional import keypoint_pck_accuracy
from mmpose.models.heads.base_head import BaseHead
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.utils.tensor_utils import to_numpy
from mmpose.utils.typing import (ConfigType, OptConfigType, OptSampleList,
                                 Predictions)
from torch import Tensor

from ....codecs.coordinate_regression_label import \
    flip_normalized_coordinates
from ....engine.hooks import check_keypoint_count
from ...necks.deformable_encoder_neck import flatten_levels

Feats = Sequence[Tensor]


@MODELS.register_module()
class TFPoseHead(BaseHead):
    """Keypoint-query decoder + per-layer L1 + auxiliary heatmap loss.

    Args:
        num_keypoints (int): ``K``.
        query_decoder (dict): :class:`KeypointQueryDecoder` config; its
            ``num_keypoints`` is filled in.
        aux_head (dict, optional): Auxiliary heatmap branch (MMPose
            ``HeatmapHead`` config; its ``out_channels`` is filled in and its
            ``loss`` is ``lambda * L_aux``). ``None`` trains without the
            auxiliary loss (Table 4).
        aux_in_index (int): Which memory level feeds the auxiliary branch
            (-1: ``M_C5``, the last level).
        loss (dict): Regression loss per decoder layer (MMPose ``L1Loss``
            with keypoint weights).
        decoder (dict, optional): Codec (``CoordinateRegressionLabel`` or
            ``RegressionAuxHeatmapLabel``), needed by ``predict``.
        init_cfg (dict, optional): Initialisation config.

    ``test_cfg`` keys: ``flip_test`` (bool), ``shift_coords`` (bool, default
    True), ``score_mode`` (``'consistency'`` default, or ``'constant'``)
    and ``score_kappa`` (float, default 0.08), see :meth:`keypoint_scores`.
    """

    def __init__(self,
                 num_keypoints: int,
                 query_decoder: ConfigType = dict(type='KeypointQueryDecoder'),
                 aux_head: OptConfigType = None,
                 aux_in_index: int = -1,
                 loss: ConfigType = dict(
                     type='L1Loss', use_target_weight=True),
                 decoder: OptConfigType = None,
                 init_cfg: OptConfigType = None):
        super().__init__(init_cfg)
        self.num_keypoints = num_keypoints
        query_decoder = dict(query_decoder)
        query_decoder.setdefault('num_keypoints', num_keypoints)
        if query_decoder['num_keypoints'] != num_keypoints:
            raise ValueError(
                f"query_decoder num_keypoints ({query_decoder['num_keypoints']}"
                f') != head num_keypoints ({num_keypoints})')
        self.query_decoder = MODELS.build(query_decoder)
        self.aux_in_index = aux_in_index
        if aux_head is not None:
            aux_head = dict(aux_head)
            aux_head.setdefault('out_channels', num_keypoints)
            if aux_head['out_channels'] != num_keypoints:
                raise ValueError(
                    f"aux_head out_channels ({aux_head['out_channels']}) != "
                    f'num_keypoints ({num_keypoints})')
            self.aux_head = MODELS.build(aux_head)
        else:
            self.aux_head = None
        self.loss_module = MODELS.build(loss)
        self.decoder = KEYPOINT_CODECS.build(decoder) if decoder else None

    # ------------------------------------------------------------------
    # forward
    # ------------------------------------------------------------------
    def forward(self, feats: Feats) -> Tensor:
        """Memory maps -> estimates ``(N_D, B, K, 2)`` of every decoder
        layer (last = prediction), normalised by the input size."""
        if isinstance(feats, Tensor):
            feats = (feats, )
        memory, spatial_shapes, level_start_index = flatten_levels(feats)
        return self.query_decoder(memory, spatial_shapes, level_start_index)

    def forward_aux(self, feats: Feats) -> Tensor:
        """Training-only heatmaps ``(B, K, h/4, w/4)`` from ``M_C5``."""
        if self.aux_head is None:
            raise RuntimeError('this TFPoseHead has no auxiliary branch')
        return self.aux_head((feats[self.aux_in_index], ))

    # ------------------------------------------------------------------
    # predict
    # ------------------------------------------------------------------
    @staticmethod
    def keypoint_scores(kpts: Tensor, other: Tensor,
                        input_size: Sequence[int],
                        kappa: float = 0.08) -> Tensor:
        """Keypoint scores from the agreement of two estimates.

        TFPose defines no score. ``score = exp(-d^2 / (2 (kappa s)^2))``
        with ``d`` the distance in input pixels between two estimates of the
        keypoint (the flipped pass mapped back with flip test, else the last
        two decoder layers) and ``s = sqrt(w h)`` the crop's scale: an
        OKS-shaped similarity, 1 where the estimates agree and falling as
        they disagree, so COCO's rescoring (mean score of the keypoints
        above 0.2) ranks confident poses higher (decision 8).

        Args:
            kpts, other (Tensor): ``(B, K, 2)`` normalised estimates.
            input_size (Sequence[int]): ``(w, h)``.
            kappa (float): Width of the kernel relative to ``s``.

        Returns:
            Tensor: ``(B, K)`` scores in ``(0, 1]``.
        """
        w, h = float(input_size[0]), float(input_size[1])
        scale = kpts.new_tensor([w, h])
        d2 = (((kpts - other) * scale)**2).sum(-1)
        return torch.exp(-d2 / (2. * (kappa * (w * h)**0.5)**2))

    def predict(self,
                feats: Union[Feats, list],
                batch_data_samples: OptSampleList,
                test_cfg: ConfigType = {}) -> Predictions:
        """Keypoints in input-crop pixels and their scores."""
        if not batch_data_samples:
            raise ValueError('TFPoseHead.predict needs the data samples '
                             '(input_size, flip_indices)')
        check_keypoint_count(type(self).__name__, self.num_keypoints,
                             batch_data_samples)
        input_size = batch_data_samples[0].metainfo['input_size']
        score_mode = test_cfg.get('score_mode', 'consistency')
        if score_mode not in ('consistency', 'constant'):
            raise ValueError("test_cfg.score_mode must be 'consistency' or "
                             f"'constant', got {score_mode!r}")
        kappa = test_cfg.get('score_kappa', 0.08)
        if test_cfg.get('flip_test', False):
            if not (isinstance(feats, list) and len(feats) == 2):
                raise ValueError('flip test expects [feats, flipped_feats]')
            flip_indices = batch_data_samples[0].metainfo['flip_indices']
            if len(flip_indices) != self.num_keypoints:
                raise ValueError(
                    f'the dataset has {len(flip_indices)} keypoints '
                    f'(flip_indices of its metainfo), the head '
                    f'{self.num_keypoints} (num_keypoints)')
            kpts = self.forward(feats[0])[-1]
            kpts_f = flip_normalized_coordinates(
                self.forward(feats[1])[-1], flip_indices,
                input_size[0] if test_cfg.get('shift_coords', True) else None)
            other = kpts_f
            kpts = (kpts + kpts_f) * 0.5
        else:
            layers = self.forward(feats)
            kpts = layers[-1]
            other = layers[-2] if layers.shape[0] > 1 else layers[-1]
        if score_mode == 'constant':
            scores = torch.ones_like(kpts[..., 0])
        else:
            scores = self.keypoint_scores(kpts, other, input_size, kappa)
        return self.decode((kpts, scores))

    # ------------------------------------------------------------------
    # training
    # ------------------------------------------------------------------
    def loss(self,
             feats: Feats,
             batch_data_samples: OptSampleList,
             train_cfg: ConfigType = {}) -> dict:
        """``loss_kpt`` (last layer), ``d{i}.loss_kpt`` (layer ``i``),
        ``loss_aux_heatmap`` (with the auxiliary branch) and ``acc_pose``
        (PCK@0.05 of the input size, last layer)."""
        check_keypoint_count(type(self).__name__, self.num_keypoints,
                             batch_data_samples)
        coords = self.forward(feats)  # (N_D, B, K, 2)
        num_layers, b, k = coords.shape[:3]
        gt = torch.cat([
            d.gt_instance_labels.keypoint_labels for d in batch_data_samples
        ]).to(coords)
        weights = torch.cat([
            d.gt_instance_labels.keypoint_weights for d in batch_data_samples
        ]).to(coords)
        if gt.shape != (b, k, 2) or weights.shape != (b, k):
            raise ValueError(
                f'TFPoseHead has {k} keypoints (num_keypoints) and expects '
                f'one instance per sample: got keypoint_labels '
                f'{tuple(gt.shape)} and keypoint_weights '
                f'{tuple(weights.shape)} from the codec / dataset for B={b}')
        losses = dict()
        for layer in range(num_layers):
            prefix = '' if layer == num_layers - 1 else f'd{layer}.'
            losses[prefix + 'loss_kpt'] = self.loss_module(
                coords[layer], gt, weights)

        if self.aux_head is not None:
            heatmaps = self.forward_aux(feats)
            gt_heatmaps = torch.stack([
                d.gt_fields.heatmaps for d in batch_data_samples
            ]).to(heatmaps)
            aux_weights = torch.cat([
                d.gt_instance_labels.heatmap_keypoint_weights
                for d in batch_data_samples
            ]).to(heatmaps)
            if gt_heatmaps.shape != heatmaps.shape:
                raise ValueError(
                    f'auxiliary heatmaps {tuple(heatmaps.shape)} and their '
                    f'targets {tuple(gt_heatmaps.shape)} differ: the codec '
                    'heatmap_size must be 1/4 of the input size (x8 from '
                    'M_C5)')
            losses['loss_aux_heatmap'] = self.aux_head.loss_module(
                heatmaps, gt_heatmaps, aux_weights)

        _, avg_acc, _ = keypoint_pck_accuracy(
            pred=to_numpy(coords[-1]),
            gt=to_numpy(gt),
            mask=to_numpy(weights) > 0,
            thr=0.05,
            norm_factor=np.ones((b, 2), dtype=np.float32))
        losses['acc_pose'] = torch.tensor(avg_acc, device=coords.device)
        return losses

