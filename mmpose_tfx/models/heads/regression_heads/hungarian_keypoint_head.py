"""PRTR's keypoint-detection transformer as a top-down MMPose head.

Li et al., "Pose Recognition with Cascade Transformers", CVPR 2021,
section 3.2 (two-stage variant: the person crop comes from a detector, so
in MMPose it is a top-down head on the crop's backbone features):

1. the selected backbone level(s) ``(B, C, H, W)`` -> 1x1 conv to ``d``;
2. 2D sine position embedding (DETR's normalised formula) added to queries
   and keys of every attention (not to values);
3. a DETR encoder-decoder (6 + 6 post-norm layers, d 256, 8 heads, FFN 2048)
   refines ``Q`` learned queries (100);
4. on every decoder layer's output: a class head ``Linear(d, J + 1)``
   (J keypoint types + background, last) and a coordinate head (3-layer MLP,
   ReLU, sigmoid) giving ``(u, v)`` normalised by the input size.

Training matches the J joints to the Q queries per instance and decoder
layer (:class:`~mmpose_tfx.models.utils.KeypointHungarianMatcher`) and
applies :class:`~mmpose_tfx.models.losses.HungarianKeypointLoss` to every
layer (auxiliary losses, equal weights as in DETR). Read-out matches the J
types to queries on the final layer's probabilities
(:func:`~mmpose_tfx.models.utils.readout_assignment`).

Multi-scale features (section 1: "We apply multi-scale features in the
keypoint detection Transformer"; the two-stage section does not say how).
Decision: with several ``in_index`` levels the head does what section 3.3
describes for the multi-level variant: every level is bilinearly resampled
to one common grid (by default that of the last selected level), the maps
are concatenated along channels and the 1x1 projection maps the sum of
their channels to ``d``. The token count (and the attention cost) stays that
of the common grid. The reference's two-stage code and the paper's Table 1
numbers use a single level (the last, stride 32), the default here.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmdet.models.layers.transformer import MLP
from mmpose.evaluation.functional import keypoint_pck_accuracy
from mmpose.models.heads.base_head import BaseHead
from mmpose.registry import KEYPOINT_CODECS, MODELS, TASK_UTILS
from mmpose.utils.tensor_utils import to_numpy
from mmpose.utils.typing import (ConfigType, OptConfigType, OptSampleList,
                                 Predictions)
from torch import Tensor, nn

from ....codecs.coordinate_regression_label import \
    flip_normalized_coordinates
from ...necks.transformer_encoder_neck import sine_position_embedding
from ...utils.hungarian_matcher import readout_assignment
from ...utils.keypoint_transformer import KeypointDetectionTransformer
from ....engine.hooks import check_keypoint_count


@MODELS.register_module()
class HungarianKeypointHead(BaseHead):
    """Keypoint-detection transformer with Hungarian matching (PRTR).

    Args:
        in_channels (int | Sequence[int]): Channels of the selected backbone
            level(s).
        num_keypoints (int): ``J`` (17 for COCO, 16 for MPII).
        in_index (int | Sequence[int]): Backbone output(s) to use; a
            sequence enables the multi-scale input. Defaults to -1.
        resize_index (int): With several levels, which of the *selected*
            levels gives the common grid. Defaults to -1 (the last).
        num_queries (int): ``Q`` (PRTR: 100; Table 4 ablates 50 / 17).
        embed_dims (int): ``d`` (256).
        num_encoder_layers (int): 6.
        num_decoder_layers (int): 6.
        num_heads (int): 8.
        feedforward_channels (int): 2048.
        dropout (float): Dropout of the transformer. Defaults to 0.0, the
            PRTR reference's COCO and MPII configs (DETR's own default is
            0.1; docs/prtr.md, decision 14).
        norm_first (bool): Pre-norm if True; default post-norm (reference).
        coord_mlp_layers (int): Layers of the coordinate MLP (3).
        learned_position_grid (tuple[int, int], optional): ``(w, h)`` of a
            fixed token grid whose position embedding is the end-to-end PRTR
            authors' (their notebook's ``build_pe``): a sine embedding in
            the first ``d/2`` channels (y then x, ``d/4`` each) and learned
            row / column embeddings in the last ``d/2`` (y then x),
            initialised uniform in [0, 1). None (default): the sine
            embedding over all ``d`` channels (DETR, the two-stage
            reference); docs/prtr.md, end-to-end decision 21.
        position_in_tokens (bool): Also add the position embedding to the
            input tokens, so that the values of every attention (and the
            decoder's outputs read by the coordinate MLP) carry the token's
            position. False (default): DETR's convention, the reference's
            and the end-to-end authors', where position enters queries and
            keys only; docs/prtr.md, end-to-end decision 22.
        matcher (dict): Training matcher config
            (``KeypointHungarianMatcher``, costs 1 and 5).
        loss (dict): Loss config (``HungarianKeypointLoss``; its
            ``num_keypoints`` is filled in).
        aux_loss (bool): Apply matching and loss to every decoder layer
            (True, as the reference) or only to the last.
        decoder (dict, optional): Codec
            (:class:`~mmpose_tfx.codecs.CoordinateRegressionLabel`).
        init_cfg (dict, optional): Initialisation config.

    Shapes: ``forward`` returns ``(cls_logits, coords)`` of shapes
    ``(M, B, Q, J + 1)`` and ``(M, B, Q, 2)`` for ``M`` decoder layers, the
    coordinates ``(u, v)`` normalised by the input size ``(w, h)``.

    ``test_cfg`` keys: ``flip_test`` (bool), ``shift_coords`` (bool, default
    True: the flipped pass is mapped back with ``u -> 1 - u - 1/w``, exact
    for a pixel-wise flip; False is the reference's ``1 - u``, half a crop
    pixel off after averaging; docs/prtr.md, decision 21),
    ``readout_with_background`` (bool, default False: Table 5's ablation
    when True).
    """

    def __init__(self,
                 in_channels: Union[int, Sequence[int]],
                 num_keypoints: int,
                 in_index: Union[int, Sequence[int]] = -1,
                 resize_index: int = -1,
                 num_queries: int = 100,
                 embed_dims: int = 256,
                 num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6,
                 num_heads: int = 8,
                 feedforward_channels: int = 2048,
                 dropout: float = 0.0,
                 norm_first: bool = False,
                 coord_mlp_layers: int = 3,
                 learned_position_grid: Optional[Tuple[int, int]] = None,
                 position_in_tokens: bool = False,
                 matcher: ConfigType = dict(
                     type='KeypointHungarianMatcher',
                     cost_class=1.0,
                     cost_coord=5.0),
                 loss: ConfigType = dict(
                     type='HungarianKeypointLoss',
                     bg_cls_weight=0.1,
                     loss_weight_cls=1.0,
                     loss_weight_coord=5.0),
                 aux_loss: bool = True,
                 decoder: OptConfigType = None,
                 init_cfg: OptConfigType = None):
        super().__init__(init_cfg)
        multi = not isinstance(in_index, int)
        self.in_index = list(in_index) if multi else in_index
        channels = [in_channels] if isinstance(in_channels, int) else list(
            in_channels)
        if multi and len(channels) != len(self.in_index):
            raise ValueError(f'in_channels {channels} must give one entry per '
                             f'in_index {self.in_index}')
        if not multi and len(channels) != 1:
            raise ValueError('a single in_index needs a single in_channels, '
                             f'got {in_channels}')
        if num_queries < num_keypoints:
            raise ValueError(f'num_queries ({num_queries}) must be >= '
                             f'num_keypoints ({num_keypoints}): every joint '
                             'is matched to its own query')
        if embed_dims % 4 != 0:
            raise ValueError('the 2D sine position embedding needs embed_dims '
                             f'divisible by 4, got {embed_dims}')
        self.in_channels = channels
        self.resize_index = resize_index
        self.num_keypoints = num_keypoints
        self.num_queries = num_queries
        self.embed_dims = embed_dims
        self.aux_loss = aux_loss
        self.position_in_tokens = position_in_tokens

        self.input_proj = nn.Conv2d(sum(channels), embed_dims, 1)
        self.transformer = KeypointDetectionTransformer(
            embed_dims=embed_dims,
            num_encoder_layers=num_encoder_layers,
            num_decoder_layers=num_decoder_layers,
            num_heads=num_heads,
            feedforward_channels=feedforward_channels,
            dropout=dropout,
            norm_first=norm_first)
        self.query_embed = nn.Embedding(num_queries, embed_dims)
        self.cls_head = nn.Linear(embed_dims, num_keypoints + 1)
        if coord_mlp_layers < 1:
            raise ValueError(
                f'coord_mlp_layers must be >= 1, got {coord_mlp_layers}')
        # mmdet's DETR MLP (Linear + ReLU between layers): the same
        # ``layers.{i}`` parameters as DETR's / the reference's bbox_embed
        self.coord_head = MLP(embed_dims, embed_dims, 2, coord_mlp_layers)

        self.matcher = TASK_UTILS.build(matcher)
        loss = dict(loss)
        loss.setdefault('num_keypoints', num_keypoints)
        if loss['num_keypoints'] != num_keypoints:
            raise ValueError(f"loss num_keypoints ({loss['num_keypoints']}) "
                             f'!= head num_keypoints ({num_keypoints})')
        self.loss_module = MODELS.build(loss)
        self.decoder = KEYPOINT_CODECS.build(decoder) if decoder else None
        self._pos_cache: Dict[Tuple[int, int], Tensor] = {}
        self.learned_position_grid = None
        if learned_position_grid is not None:
            gw, gh = (int(v) for v in learned_position_grid)
            if gw < 1 or gh < 1 or embed_dims % 8 != 0:
                raise ValueError(
                    'learned_position_grid must be (w, h) >= 1 with '
                    f'embed_dims divisible by 8, got {learned_position_grid}'
                    f' and {embed_dims}')
            self.learned_position_grid = (gw, gh)
            self.row_embed = nn.Embedding(gw, embed_dims // 4)  # x
            self.col_embed = nn.Embedding(gh, embed_dims // 4)  # y
            nn.init.uniform_(self.row_embed.weight)
            nn.init.uniform_(self.col_embed.weight)

    # ------------------------------------------------------------------
    # forward
    # ------------------------------------------------------------------
    def _select(self, feats: Union[Tensor, Sequence[Tensor]]) -> Tensor:
        """Pick (and fuse) the input level(s) -> ``(B, sum C, H, W)``."""
        if isinstance(feats, Tensor):
            feats = (feats, )
        indices = self.in_index if isinstance(self.in_index,
                                              list) else [self.in_index]
        try:
            maps = [feats[i] for i in indices]
        except IndexError:
            raise ValueError(f'in_index {self.in_index} out of range for '
                             f'{len(feats)} backbone outputs') from None
        for m, c in zip(maps, self.in_channels):
            if m.dim() != 4 or m.shape[1] != c:
                raise ValueError(
                    'HungarianKeypointHead expects (B, C, H, W) features with '
                    f'C = {self.in_channels}, got shapes '
                    f'{[tuple(x.shape) for x in maps]}')
        if len(maps) == 1:
            return maps[0]
        size = maps[self.resize_index].shape[-2:]
        maps = [
            m if m.shape[-2:] == size else F.interpolate(
                m, size=size, mode='bilinear', align_corners=False)
            for m in maps
        ]
        return torch.cat(maps, dim=1)

    def position_embedding(self, h: int, w: int, device: torch.device,
                           dtype: torch.dtype) -> Tensor:
        """Position embedding ``(1, h*w, d)`` of row-major tokens: sine
        (cached), or sine + learned with ``learned_position_grid``."""
        key = (h, w)
        grid = self.learned_position_grid
        if grid is not None and (w, h) != grid:
            raise ValueError(f'the learned position embedding is for a '
                             f'{grid[0]} x {grid[1]} (w x h) token grid, got '
                             f'{w} x {h}')
        d = self.embed_dims if grid is None else self.embed_dims // 2
        if key not in self._pos_cache:
            self._pos_cache[key] = sine_position_embedding(h, w, d)[None]
        sine = self._pos_cache[key].to(device=device, dtype=dtype)
        if grid is None:
            return sine
        y = self.col_embed.weight[:, None].expand(h, w, -1)
        x = self.row_embed.weight[None].expand(h, w, -1)
        learned = torch.cat([y, x], -1).reshape(1, h * w, d).to(dtype)
        return torch.cat([sine, learned], -1)

    def forward_transformer(self, feats: Union[Tensor, Sequence[Tensor]]
                            ) -> Tensor:
        """Backbone features -> decoder outputs ``(M, B, Q, d)``."""
        x = self.input_proj(self._select(feats))
        b, d, h, w = x.shape
        pos = self.position_embedding(h, w, x.device, x.dtype)
        tokens = x.flatten(2).transpose(1, 2)  # (B, h*w, d)
        if self.position_in_tokens:
            tokens = tokens + pos
        hs, _ = self.transformer(tokens, pos, self.query_embed.weight)
        return hs

    def predict_from_hidden(self, hs: Tensor) -> Tuple[Tensor, Tensor]:
        """Heads on hypotheses ``(..., Q, d)`` -> logits ``(..., Q, J+1)``
        and sigmoid coordinates ``(..., Q, 2)``."""
        return self.cls_head(hs), self.coord_head(hs).sigmoid()

    def forward(self, feats: Union[Tensor, Sequence[Tensor]]
                ) -> Tuple[Tensor, Tensor]:
        """Backbone features -> ``(cls_logits (M, B, Q, J+1), coords (M, B,
        Q, 2))`` for every decoder layer (last = final prediction)."""
        return self.predict_from_hidden(self.forward_transformer(feats))

    # ------------------------------------------------------------------
    # read-out / predict
    # ------------------------------------------------------------------
    def readout(self, cls_logits: Tensor, coords: Tensor,
                with_background: bool = False) -> Tuple[Tensor, Tensor]:
        """Final-layer outputs ``(B, Q, J+1)``, ``(B, Q, 2)`` -> keypoints
        ``(B, J, 2)`` (normalised) and scores ``(B, J)``."""
        indices, scores = readout_assignment(cls_logits, with_background)
        b, j = indices.shape
        kpts = coords.gather(1, indices[..., None].expand(b, j, 2))
        return kpts, scores

    def predict(self,
                feats: Union[Tuple[Tensor], List[Tuple[Tensor]]],
                batch_data_samples: OptSampleList,
                test_cfg: ConfigType = {}) -> Predictions:
        """Keypoints in input-crop pixels; with flip test the coordinates
        (and scores) of the original and the flipped pass are averaged after
        mapping the flipped pass back and swapping left/right types."""
        check_keypoint_count(type(self).__name__, self.num_keypoints,
                             batch_data_samples)
        with_bg = test_cfg.get('readout_with_background', False)
        if test_cfg.get('flip_test', False):
            if not (isinstance(feats, list) and len(feats) == 2):
                raise ValueError('flip test expects [feats, flipped_feats]')
            flip_indices = batch_data_samples[0].metainfo['flip_indices']
            input_w = batch_data_samples[0].metainfo['input_size'][0]
            logits, coords = self.forward(feats[0])
            kpts, scores = self.readout(logits[-1], coords[-1], with_bg)
            logits_f, coords_f = self.forward(feats[1])
            kpts_f, scores_f = self.readout(logits_f[-1], coords_f[-1],
                                            with_bg)
            kpts_f = flip_normalized_coordinates(
                kpts_f, flip_indices,
                input_w if test_cfg.get('shift_coords', True) else None)
            scores_f = scores_f[:, list(flip_indices)]
            kpts = (kpts + kpts_f) * 0.5
            scores = (scores + scores_f) * 0.5
        else:
            logits, coords = self.forward(feats)
            kpts, scores = self.readout(logits[-1], coords[-1], with_bg)
        return self.decode((kpts, scores))

    # ------------------------------------------------------------------
    # training
    # ------------------------------------------------------------------
    def loss(self,
             feats: Tuple[Tensor],
             batch_data_samples: OptSampleList,
             train_cfg: ConfigType = {}) -> dict:
        """Matching + set loss on every decoder layer (keys ``loss_cls`` /
        ``loss_kpt`` for the last, ``d{i}.loss_cls`` / ``d{i}.loss_kpt`` for
        the auxiliary ones) and ``acc_pose`` (PCK@0.05 of the input size,
        last layer)."""
        check_keypoint_count(type(self).__name__, self.num_keypoints,
                             batch_data_samples)
        cls_logits, coords = self.forward(feats)
        gt = torch.cat([
            d.gt_instance_labels.keypoint_labels for d in batch_data_samples
        ]).to(coords)
        weights = torch.cat([
            d.gt_instance_labels.keypoint_weights for d in batch_data_samples
        ]).to(coords)
        num_layers, b = coords.shape[:2]
        if gt.shape != (b, self.num_keypoints, 2) or \
                weights.shape != (b, self.num_keypoints):
            raise ValueError(
                f'expected one instance per sample with {self.num_keypoints} '
                f'keypoint labels (B={b}): got keypoint_labels '
                f'{tuple(gt.shape)} and keypoint_weights '
                f'{tuple(weights.shape)}')
        return self.loss_by_targets(cls_logits, coords, gt, weights)

    def loss_by_targets(self, cls_logits: Tensor, coords: Tensor,
                        gt: Tensor, weights: Tensor) -> dict:
        """Matching + set loss of the decoder outputs against given targets
        (also used by the end-to-end variant, whose targets come from its
        person crops).

        Args:
            cls_logits (Tensor): ``(M, B, Q, J + 1)``.
            coords (Tensor): ``(M, B, Q, 2)`` normalised coordinates.
            gt (Tensor): ``(B, J, 2)`` normalised targets.
            weights (Tensor): ``(B, J)`` keypoint weights.

        Returns:
            dict: the losses of :meth:`loss` and ``acc_pose``.
        """
        num_layers, b = coords.shape[:2]
        layers = list(range(num_layers)) if self.aux_loss else [
            num_layers - 1
        ]
        indices = self.matcher(cls_logits[layers], coords[layers], gt,
                               weights)  # (L', B, J)
        losses = dict()
        for k, layer in enumerate(layers):
            out = self.loss_module(cls_logits[layer], coords[layer],
                                   indices[k], gt, weights)
            prefix = '' if layer == num_layers - 1 else f'd{layer}.'
            for name, value in out.items():
                losses[prefix + name] = value

        matched = coords[-1].gather(
            1, indices[-1][..., None].expand(b, self.num_keypoints, 2))
        _, avg_acc, _ = keypoint_pck_accuracy(
            pred=to_numpy(matched),
            gt=to_numpy(gt),
            mask=to_numpy(weights) > 0,
            thr=0.05,
            norm_factor=np.ones((b, 2), dtype=np.float32))
        losses['acc_pose'] = torch.tensor(avg_acc, device=coords.device)
        return losses

    def init_weights(self) -> None:
        """DETR's initialisation: xavier for the transformer matrices
        (:meth:`KeypointDetectionTransformer.init_weights`), N(0, 1) query
        embedding and PyTorch defaults for the projection and the heads,
        unless an ``init_cfg`` is given."""
        super().init_weights()
