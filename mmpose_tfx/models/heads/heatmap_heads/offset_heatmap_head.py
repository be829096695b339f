"""LightPose's regression head (Liu et al., ICASSP 2022, Table 1, Fig. 2):
two 1x1 convolutions on the encoder output, one for K heatmaps and one for
2K center offsets, trained with ``L_all = L_hm + alpha * L_off`` (eq. 4)."""
from typing import Optional, Sequence, Tuple, Union

import torch
from mmengine.structures import PixelData
from torch import Tensor, nn

from mmpose.evaluation.functional import keypoint_pck_accuracy
from mmpose.models.heads.base_head import BaseHead
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.utils.tensor_utils import to_numpy
from mmpose.utils.typing import (ConfigType, Features, OptConfigType,
                                 OptSampleList, Predictions)

from mmpose_tfx.engine.hooks import check_keypoint_count
from mmpose_tfx.codecs.center_offset_heatmap import (
    flip_center_offset, get_offset_heatmap_maximum)

HeadOutput = Union[Tensor, Tuple[Tensor, Tensor]]


@MODELS.register_module()
class OffsetHeatmapHead(BaseHead):
    """Low-resolution heatmap + center offset head.

    ``forward`` maps the last feature map ``(B, C, H, W)`` to heatmaps
    ``(B, K, H, W)`` and offsets ``(B, 2K, H, W)`` (channels ``2k, 2k+1`` =
    x, y offset of keypoint ``k`` in cell units; see
    :class:`~mmpose_tfx.codecs.CenterOffsetHeatmap`). No upsampling: the
    outputs keep the feature resolution (1/16 in LightPose).

    Args:
        in_channels (int): Channels ``C`` of the input feature map.
        out_channels (int): Number of keypoints ``K``.
        with_offset (bool): Build the offset branch (default). ``False`` is
            the heatmap-only baseline of Tables 5 and 6: no offset
            convolution, ``L_all = L_hm``, keypoints at the centre of the
            argmax cell.
        loss (dict): Heatmap loss ``L_hm`` (eq. 1). Defaults to MMPose's
            :class:`KeypointMSELoss` with keypoint weights.
        offset_loss (dict): Offset loss ``alpha * L_off`` (eq. 3); its
            ``loss_weight`` is ``alpha`` (paper: 1.0).
        decoder (dict, optional): A :class:`CenterOffsetHeatmap` config,
            needed by ``predict``; its ``use_offset`` must equal
            ``with_offset``.
        init_cfg (dict, optional): Defaults to MMPose's heatmap-head init
            (normal std 0.001, zero bias).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 with_offset: bool = True,
                 loss: ConfigType = dict(
                     type='KeypointMSELoss', use_target_weight=True),
                 offset_loss: ConfigType = dict(
                     type='OffsetWeightedL1Loss', loss_weight=1.0),
                 decoder: OptConfigType = None,
                 init_cfg: OptConfigType = None):
        if init_cfg is None:
            init_cfg = dict(type='Normal', layer='Conv2d', std=0.001, bias=0)
        super().__init__(init_cfg)
        if not isinstance(in_channels, int) or in_channels < 1:
            raise ValueError(f'in_channels must be a positive int, got '
                             f'{in_channels!r}')
        if out_channels < 1:
            raise ValueError(f'out_channels must be >= 1, got {out_channels}')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.with_offset = with_offset
        self.loss_module = MODELS.build(loss)
        self.offset_loss_module = MODELS.build(offset_loss) \
            if with_offset else None
        self.decoder = KEYPOINT_CODECS.build(decoder) \
            if decoder is not None else None
        if self.decoder is not None and \
                getattr(self.decoder, 'use_offset', None) != with_offset:
            raise ValueError(
                f'decoder {self.decoder!r} must be a CenterOffsetHeatmap with '
                f'use_offset={with_offset} to match with_offset={with_offset}')
        self.heatmap_layer = nn.Conv2d(in_channels, out_channels, 1)
        self.offset_layer = nn.Conv2d(in_channels, 2 * out_channels, 1) \
            if with_offset else None

    def forward(self, feats: Sequence[Tensor]) -> HeadOutput:
        """``feats[-1]`` ``(B, C, H, W)`` -> heatmaps ``(B, K, H, W)`` and,
        with the offset branch, offsets ``(B, 2K, H, W)`` (a tuple)."""
        x = feats[-1] if isinstance(feats, (list, tuple)) else feats
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'{type(self).__name__} expects a (B, '
                             f'{self.in_channels}, H, W) feature map, got '
                             f'{tuple(x.shape)}')
        heatmaps = self.heatmap_layer(x)
        if not self.with_offset:
            return heatmaps
        return heatmaps, self.offset_layer(x)

    def _split(self, out: HeadOutput) -> Tuple[Tensor, Optional[Tensor]]:
        return out if self.with_offset else (out, None)

    def predict(self,
                feats: Features,
                batch_data_samples: OptSampleList,
                test_cfg: ConfigType = {}) -> Predictions:
        """Decode keypoints ``(1, K, 2)`` per sample in input-image pixels.

        With ``test_cfg['flip_test']`` ``feats`` is ``[feats, feats of the
        flipped input]``; the flipped heatmaps and offsets are brought back
        with :func:`flip_center_offset` (mirror, swap left/right, x-offset
        ``1 - o``) and averaged with the unflipped ones before decoding.
        With ``test_cfg['output_heatmaps']`` also returns ``PixelData``
        with ``heatmaps`` (and ``offsets``).
        """
        if self.decoder is None:
            raise RuntimeError(f'{type(self).__name__}.predict needs a '
                               'decoder (CenterOffsetHeatmap config)')
        check_keypoint_count(type(self).__name__, self.out_channels,
                             batch_data_samples)
        if test_cfg.get('flip_test', False):
            if not (isinstance(feats, list) and len(feats) == 2):
                raise ValueError('flip test expects feats = [feats, '
                                 'flipped feats]')
            flip_indices = batch_data_samples[0].metainfo['flip_indices']
            hm, off = self._split(self.forward(feats[0]))
            hm_f, off_f = flip_center_offset(
                *self._split(self.forward(feats[1])), flip_indices)
            hm = (hm + hm_f) * 0.5
            off = None if off is None else (off + off_f) * 0.5
        else:
            hm, off = self._split(self.forward(feats))

        preds = self.decode(hm if off is None else (hm, off))
        if test_cfg.get('output_heatmaps', False):
            fields = [
                PixelData(heatmaps=h) if off is None else PixelData(
                    heatmaps=h, offsets=o)
                for h, o in zip(hm.detach(), (
                    [None] * len(hm) if off is None else off.detach()))
            ]
            return preds, fields
        return preds

    def loss(self,
             feats: Tuple[Tensor],
             batch_data_samples: OptSampleList,
             train_cfg: ConfigType = {}) -> dict:
        """``loss_kpt`` = ``L_hm`` (MSE, eq. 1), ``loss_offset`` = ``alpha *
        L_off`` (eq. 3) and ``acc_pose``: PCK@0.05 (of the heatmap / input
        size) of the decoded keypoints (argmax + offset) against the
        keypoints the targets encode, as MMPose heads log it."""
        check_keypoint_count(type(self).__name__, self.out_channels,
                             batch_data_samples)
        hm, off = self._split(self.forward(feats))
        gt_hm = torch.stack([d.gt_fields.heatmaps for d in batch_data_samples])
        kpt_weights = torch.cat([
            d.gt_instance_labels.keypoint_weights for d in batch_data_samples
        ])
        if gt_hm.shape != hm.shape:
            raise ValueError(f'target heatmaps {tuple(gt_hm.shape)} do not '
                             f'match the predicted {tuple(hm.shape)}: check '
                             'the codec stride / heatmap size against the '
                             'backbone stride')
        losses = dict(loss_kpt=self.loss_module(hm, gt_hm, kpt_weights))
        gt_off = None
        if self.with_offset:
            if 'offsets' not in batch_data_samples[0].gt_fields:
                raise ValueError('gt_fields has no "offsets": encode the '
                                 'targets with CenterOffsetHeatmap('
                                 'use_offset=True)')
            gt_off = torch.stack(
                [d.gt_fields.offsets for d in batch_data_samples])
            off_w = torch.stack(
                [d.gt_fields.offset_weights for d in batch_data_samples])
            losses['loss_offset'] = self.offset_loss_module(
                off, gt_off, off_w, kpt_weights)

        if train_cfg.get('compute_acc', True):
            with torch.no_grad():
                pred, _ = get_offset_heatmap_maximum(
                    hm.detach(), None if off is None else off.detach())
                gt, _ = get_offset_heatmap_maximum(gt_hm, gt_off)
            h, w = hm.shape[-2:]
            norm = torch.tensor([[w, h]], dtype=torch.float32).repeat(
                len(hm), 1)
            _, avg_acc, _ = keypoint_pck_accuracy(
                to_numpy(pred), to_numpy(gt),
                to_numpy(kpt_weights) > 0, 0.05, to_numpy(norm))
            losses['acc_pose'] = torch.tensor(avg_acc, device=hm.device)
        return losses
