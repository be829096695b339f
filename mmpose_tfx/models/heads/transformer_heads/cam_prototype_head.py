"""LOFR's head (Xu et al., "Location-Free Human Pose Estimation", CVPR 2022,
sections 3.2-3.5, Figs. 2-3): keypoints located from image-level labels.

Input: backbone levels at 1/4, 1/8 and 1/16 (``in_index``).

1. CAM branch (sec. 3.2) on the 1/16 map ``X``: ``X' = conv1x1(X)`` with one
   channel per keypoint class, GAP + FC -> class logits (the "CNN output");
   class activation maps ``m_c = ReLU(sum_k w_k^c x'_k)`` (eq. 1);
   category-specific keypoint vectors ``F_c = X'^T X^c`` (eq. 2, ``X^c`` a
   1x1 conv of ``X``; averaged over positions, decision 3).
2. Spatial-aware position encoding (eqs. 3-4, decision 4): coarse keypoint
   location maps ``F^key`` = the CAMs normalised by their maxima, resized
   to each level; ``phi = F^key (F^key)^T F`` (every position receives the
   features of the parts the CAMs place there) and ``F' = psi(phi + F)``.
   With ``spe=False`` (the baseline) a learned ("randomly initialised")
   position embedding is added instead.
3. MSC-En (eqs. 5-9): the project's post-norm Transformer encoder layers
   (8 heads, ReLU FFN, LayerNorm after each block, no position term: SPE
   is in the features), shared by the levels, each level attending within
   itself; the outputs concatenated into the memory ``F_m``. With
   ``multi_scale=False`` only the 1/16 level.
4. RGP-De (sec. 3.4): pose prototypes initialised from ``F_c`` and updated
   by semantic graph convolutions over the dataset's skeleton (RePPG,
   eq. 10); ``reppg=False`` uses learned prototypes. Decoder layers (the
   project's DETR decoder layer) with the prototypes as queries over
   ``F_m``; the last layer's cross-attention of prototype ``i`` over all
   positions is its part response map ``R_i`` (a distribution); part
   features ``f_i^p = sum_p R_i(p) F(p)``, ``F`` = the memory ``F_m`` or
   the encoder's local input tokens (``presence_from``, decision 8).
5. Losses (eqs. 11-15): BCE against the presence labels on the CNN, the
   encoder and the final outputs (weights alpha 0.2, alpha_1 0.2,
   alpha_2 0.5), the part diversity loss (beta 0.1), and for
   location-labelled instances MSE between the response maps scaled to
   the mass of their Gaussian targets and the targets, summed over the
   pixels (eq. 14; decisions 10 and 10b).
6. Predict: the response maps of every level put on the 1/4 grid (each
   coarse cell's mass spread evenly over the fine cells it covers, so the
   fused map is still a distribution), MMPose's MSRA decoding (argmax +
   quarter offset) -> crop pixels; score = the class probability of the
   final output; flip test averages the maps (flipped back, left / right
   swapped) and the probabilities.

In location-free training (no location-labelled instance) the head reads
only ``keypoint_presence`` of the data samples, never a coordinate or a
heatmap (tests/test_models/test_heads/test_cam_prototype_head.py replaces
every coordinate by garbage and gets identical losses and gradients).
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.models.heads.base_head import BaseHead
from mmpose.models.utils.tta import flip_heatmaps
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.utils.typing import ConfigType, OptConfigType, OptSampleList
from torch import Tensor, nn

from ....engine.hooks import check_keypoint_count
from ...necks.transformer_encoder_neck import TransformerEncoderLayer
from ...utils.keypoint_transformer import TransformerDecoderLayer
from ...utils.semantic_graph_conv import (SemanticGraphConv,
                                          skeleton_adjacency)

Feats = Sequence[Tensor]


@MODELS.register_module()
class CAMPrototypeHead(BaseHead):
    """CAM + SPE + MSC-En + RePPG + RGP-De (LOFR).

    Args:
        in_channels (Sequence[int]): Channels of the 1/4, 1/8, 1/16 levels.
        num_keypoints (int): ``C`` keypoint classes.
        in_index (Sequence[int]): Backbone outputs of those levels.
        input_size (tuple[int, int]): Crop ``(w, h)`` the learned position
            embedding of the baseline is sized for (``spe=False``).
        embed_dims (int): ``C`` of the Transformer (256).
        num_heads (int): Attention heads (8; ``d_k`` = 32).
        feedforward_channels (int): FFN hidden units (2048, DETR).
        num_encoder_layers (int): ``D_En`` (4, Table 6's best).
        num_decoder_layers (int): ``D_De`` (6).
        dropout (float): Transformer dropout (0.1, DETR).
        spe (bool): Spatial-aware position encoding (Table 5).
        multi_scale (bool): Three levels (else the 1/16 level only).
        reppg (bool): Prototypes from ``F_c`` + graph convolution (else
            learned prototypes).
        num_gcn_layers (int): Graph convolutions in RePPG (2).
        skeleton (Sequence[tuple], optional): Keypoint links; by default
            read from ``metainfo``.
        metainfo (dict, optional): Dataset metainfo (e.g.
            ``dict(from_file='configs/_base_/datasets/coco.py')``) whose
            ``skeleton_links`` give the graph.
        loss_weights (dict): ``alpha`` (CNN BCE), ``alpha1`` (encoder BCE),
            ``alpha2`` (final BCE), ``beta`` (diversity).
        presence_from (str): What the final presence read-out classifies
            (decision 8): ``'query'`` each prototype's decoder output,
            ``'part'`` its part feature ``f_i^p = sum_p R_i(p) F_m(p)``
            (so the presence loss reaches the response maps only through
            where they look), ``'local'`` the part feature pooled from the
            encoder's input tokens instead of ``F_m`` (the projected CNN
            features: what lies under R_i, not context the encoder's
            self-attention spread over every position; the default).
        sup_loss (dict): Location loss of eq. 14, a per-pixel mean
            (MMPose's ``KeypointMSELoss``); the head multiplies it by the
            number of pixels of a map, so eq. 14 is a sum over pixels
            (decision 10b).
        decoder (dict, optional): ``ImageLevelKeypointLabel`` codec.
        init_cfg (dict, optional): Initialisation config.

    ``forward`` returns the fused response maps ``(B, C, H/4, W/4)`` and the
    presence logits ``(B, C)`` (tensor mode); ``test_cfg``: ``flip_test``,
    ``shift_heatmap`` (default False).
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 num_keypoints: int,
                 in_index: Sequence[int] = (0, 1, 2),
                 input_size: Tuple[int, int] = (192, 256),
                 embed_dims: int = 256,
                 num_heads: int = 8,
                 feedforward_channels: int = 2048,
                 num_encoder_layers: int = 4,
                 num_decoder_layers: int = 6,
                 dropout: float = 0.1,
                 spe: bool = True,
                 multi_scale: bool = True,
                 reppg: bool = True,
                 num_gcn_layers: int = 2,
                 skeleton: Optional[Sequence[Tuple[int, int]]] = None,
                 metainfo: Optional[dict] = None,
                 loss_weights: Dict[str, float] = dict(
                     alpha=0.2, alpha1=0.2, alpha2=0.5, beta=0.1),
                 presence_from: str = 'local',
                 sup_loss: ConfigType = dict(
                     type='KeypointMSELoss', use_target_weight=True),
                 decoder: OptConfigType = None,
                 init_cfg: OptConfigType = None):
        super().__init__(init_cfg)
        self.in_channels = list(in_channels)
        self.in_index = list(in_index)
        if len(self.in_channels) != 3 or len(self.in_index) != 3:
            raise ValueError('CAMPrototypeHead reads three levels (1/4, '
                             f'1/8, 1/16): got in_channels {in_channels}, '
                             f'in_index {in_index}')
        if num_encoder_layers < 1 or num_decoder_layers < 1:
            raise ValueError('need >= 1 encoder and decoder layers')
        if presence_from not in ('query', 'part', 'local'):
            raise ValueError(f"presence_from must be 'query', 'part' or "
                             f"'local', "
                             f'got {presence_from!r}')
        self.presence_from = presence_from
        self.num_keypoints = num_keypoints
        self.embed_dims = embed_dims
        self.spe = spe
        self.multi_scale = multi_scale
        self.reppg = reppg
        self.input_size = tuple(input_size)
        self.loss_weights = dict(loss_weights)
        for key in ('alpha', 'alpha1', 'alpha2', 'beta'):
            if key not in self.loss_weights:
                raise ValueError(f'loss_weights lacks {key!r}')
        c, d = num_keypoints, embed_dims
        top = self.in_channels[-1]

        # CAM branch (eqs. 1-2)
        self.cam_conv = nn.Conv2d(top, c, 1)  # X -> X'
        self.cam_fc = nn.Linear(c, c)  # GAP -> class logits
        self.key_conv = nn.Conv2d(top, d, 1)  # X -> X^c

        # per-level projections; SPE's psi, or the baseline's position
        self.levels = [0, 1, 2] if multi_scale else [2]
        self.input_proj = nn.ModuleList(
            nn.Conv2d(self.in_channels[i], d, 1) for i in self.levels)
        if spe:
            self.spe_proj = nn.Linear(d, d)  # psi
        else:
            w, h = self.input_size
            self.pos_embed = nn.ParameterList(
                nn.Parameter(torch.zeros(1, d, h // 2**(i + 2),
                                         w // 2**(i + 2)))
                for i in self.levels)

        self.encoder = nn.ModuleList(
            TransformerEncoderLayer(d, num_heads, feedforward_channels,
                                    dropout=dropout)
            for _ in range(num_encoder_layers))
        self.enc_cls = nn.Linear(d, c)

        if reppg:
            if skeleton is None:
                if metainfo is None:
                    raise ValueError('RePPG needs the skeleton: give '
                                     '`skeleton` or the dataset `metainfo`')
                meta = parse_pose_metainfo(dict(metainfo))
                if meta['num_keypoints'] != c:
                    raise ValueError(
                        f"the dataset metainfo has {meta['num_keypoints']} "
                        f'keypoints, the head {c} (num_keypoints)')
                skeleton = meta['skeleton_links']
            adj = skeleton_adjacency(c, skeleton)
            self.gcn = nn.ModuleList(
                SemanticGraphConv(d, d, adj) for _ in range(num_gcn_layers))
        else:
            self.prototypes = nn.Embedding(c, d)

        self.decoder_layers = nn.ModuleList(
            TransformerDecoderLayer(d, num_heads, feedforward_channels,
                                    dropout=dropout)
            for _ in range(num_decoder_layers))
        # per-class presence logit of each prototype's output (final BCE)
        self.dec_cls_weight = nn.Parameter(torch.zeros(c, d))
        self.dec_cls_bias = nn.Parameter(torch.zeros(c))

        self.div_loss = MODELS.build(
            dict(type='PartDiversityLoss',
                 loss_weight=self.loss_weights['beta']))
        self.sup_loss = MODELS.build(sup_loss)
        self.decoder = KEYPOINT_CODECS.build(decoder) if decoder else None

    def init_weights(self) -> None:
        """Xavier-uniform for the Transformer matrices (DETR), N(0, 1)
        learned prototypes / position embeddings, PyTorch defaults for the
        convolutions and heads (unless an ``init_cfg`` is given)."""
        super().init_weights()
        if self.init_cfg is not None:
            return
        for layers in (self.encoder, self.decoder_layers):
            for p in layers.parameters():
                if p.dim() > 1:
                    nn.init.xavier_uniform_(p)
        nn.init.normal_(self.dec_cls_weight, std=0.01)
        if not self.reppg:
            nn.init.normal_(self.prototypes.weight)
        if not self.spe:
            for p in self.pos_embed:
                nn.init.normal_(p)

    # ------------------------------------------------------------------
    # forward
    # ------------------------------------------------------------------
    def cam(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """CAM branch on ``X (B, D, h, w)``: class logits ``(B, C)``, CAMs
        ``m (B, C, h, w)`` (eq. 1) and keypoint vectors ``F_c (B, C, d)``
        (eq. 2, mean over positions)."""
        xp = self.cam_conv(x)  # X'
        logits = self.cam_fc(xp.mean((2, 3)))
        cams = F.relu(torch.einsum('ck,bkhw->bchw', self.cam_fc.weight, xp))
        xc = self.key_conv(x)  # X^c
        fc = torch.einsum('bchw,bdhw->bcd', xp, xc) / (xp.shape[2] *
                                                      xp.shape[3])
        return logits, cams, fc

    @staticmethod
    def location_maps(cams: Tensor, size: Tuple[int, int]) -> Tensor:
        """``F^key`` at a level: CAMs divided by their maxima (peak 1 at the
        coarse keypoint location), bilinearly resized -> ``(B, h*w, C)``."""
        peak = cams.flatten(2).max(-1).values[..., None, None]
        key = cams / peak.clamp(min=1e-6)
        if key.shape[-2:] != tuple(size):
            key = F.interpolate(key, size=size, mode='bilinear',
                                align_corners=False)
        return key.flatten(2).transpose(1, 2)

    def spatial_aware_encoding(self, tokens: Tensor, key: Tensor) -> Tensor:
        """Eqs. 3-4: ``phi = F^key ((F^key)^T F / sum F^key)``,
        ``F' = psi(phi + F)``; ``tokens (B, L, d)``, ``key (B, L, C)``."""
        mass = key.sum(1).clamp(min=1e-6)  # (B, C)
        part = key.transpose(1, 2) @ tokens / mass[..., None]  # (B, C, d)
        phi = key @ part  # (B, L, d)
        return self.spe_proj(phi + tokens)

    def encode(self, feats: Feats, cams: Tensor
               ) -> Tuple[Tensor, List[Tuple[int, int]], Tensor]:
        """MSC-En: ``F_m (B, L, d)``, the ``(h, w)`` of each level and the
        encoder's input tokens ``(B, L, d)`` (the projected CNN features,
        before any position term: local)."""
        memory, shapes, local = [], [], []
        for k, level in enumerate(self.levels):
            f = self.input_proj[k](feats[self.in_index[level]])
            b, d, h, w = f.shape
            local.append(f.flatten(2).transpose(1, 2))
            if not self.spe:
                pos = self.pos_embed[k]
                if pos.shape[-2:] != (h, w):
                    pos = F.interpolate(pos, size=(h, w), mode='bilinear',
                                        align_corners=False)
                f = f + pos
            tokens = f.flatten(2).transpose(1, 2)
            if self.spe:
                tokens = self.spatial_aware_encoding(
                    tokens, self.location_maps(cams, (h, w)))
            for layer in self.encoder:
                tokens = layer(tokens)[0]
            memory.append(tokens)
            shapes.append((h, w))
        return torch.cat(memory, dim=1), shapes, torch.cat(local, dim=1)

    def initial_prototypes(self, fc: Tensor) -> Tensor:
        """RePPG (eq. 10) on ``F_c``, or the learned prototypes."""
        if not self.reppg:
            return self.prototypes.weight[None].expand(fc.shape[0], -1, -1)
        x = fc
        for i, gcn in enumerate(self.gcn):
            x = gcn(x)
            if i < len(self.gcn) - 1:
                x = F.relu(x)
        return fc + x  # decision 6: residual keeps each class's own vector

    def forward_all(self, feats: Feats) -> Dict[str, Tensor]:
        """Every intermediate the losses and the demo need."""
        if isinstance(feats, Tensor):
            feats = (feats, )
        if len(feats) <= max(self.in_index):
            raise ValueError(f'in_index {self.in_index} out of range for '
                             f'{len(feats)} backbone outputs')
        x = feats[self.in_index[2]]
        if x.dim() != 4 or x.shape[1] != self.in_channels[2]:
            raise ValueError(f'the 1/16 level must be (B, '
                             f'{self.in_channels[2]}, h, w), got '
                             f'{tuple(x.shape)}')
        cnn_logits, cams, fc = self.cam(x)
        memory, shapes, local = self.encode(feats, cams)
        enc_logits = self.enc_cls(memory.mean(1))
        queries = self.initial_prototypes(fc)
        prototypes = queries
        zeros = torch.zeros_like(queries)
        attn = None
        for i, layer in enumerate(self.decoder_layers):
            last = i == len(self.decoder_layers) - 1
            out = layer(queries, memory, zeros, None, need_cross_weights=last)
            queries, attn = out if last else (out, attn)
        # part features f_i^p = sum_p R_i(p) F(p): F = the memory F_m, or
        # the encoder's local input tokens ('local', decision 8)
        part_feats = attn @ (local if self.presence_from == 'local' else
                             memory)  # (B, C, d)
        # decision 8: the final presence is read from each prototype's part
        # feature ('local', the default, or 'part') or its decoder output
        # ('query')
        read = queries if self.presence_from == 'query' else part_feats
        dec_logits = (read * self.dec_cls_weight).sum(-1) + self.dec_cls_bias
        return dict(
            cnn_logits=cnn_logits,
            enc_logits=enc_logits,
            dec_logits=dec_logits,
            cams=cams,
            prototypes=prototypes,
            attention=attn,
            shapes=shapes,
            part_feats=part_feats,
            response=self.response_maps(attn, shapes, feats))

    def response_maps(self, attn: Tensor, shapes: List[Tuple[int, int]],
                      feats: Feats) -> Tensor:
        """Fuse each prototype's attention over all levels on the 1/4 grid
        -> ``(B, C, H/4, W/4)``, still summing to 1 per map: a coarse cell
        spreads its mass evenly over the fine cells it covers."""
        fine = tuple(feats[self.in_index[0]].shape[-2:])
        b, c, _ = attn.shape
        out = attn.new_zeros(b, c, *fine)
        start = 0
        for h, w in shapes:
            part = attn[..., start:start + h * w].reshape(b, c, h, w)
            start += h * w
            sy, sx = fine[0] // h, fine[1] // w
            if (sy * h, sx * w) != fine:
                raise ValueError(f'level {h}x{w} does not tile the 1/4 grid '
                                 f'{fine}: input sizes must be multiples '
                                 'of 16')
            out = out + part.repeat_interleave(sy, 2).repeat_interleave(
                sx, 3) / (sy * sx)
        return out

    def forward(self, feats: Feats) -> Tuple[Tensor, Tensor]:
        """Tensor mode: fused part response maps ``(B, C, H/4, W/4)`` and
        the final presence logits ``(B, C)`` (the keypoint scores are their
        sigmoid)."""
        out = self.forward_all(feats)
        return out['response'], out['dec_logits']

    # ------------------------------------------------------------------
    # predict
    # ------------------------------------------------------------------
    def predict(self,
                feats: Union[Feats, list],
                batch_data_samples: OptSampleList,
                test_cfg: ConfigType = {}) -> list:
        """Keypoints from the response maxima, scores = class probability."""
        check_keypoint_count(type(self).__name__, self.num_keypoints,
                             batch_data_samples)
        if test_cfg.get('flip_test', False):
            if not (isinstance(feats, list) and len(feats) == 2):
                raise ValueError('flip test expects [feats, flipped_feats]')
            flip_indices = batch_data_samples[0].metainfo['flip_indices']
            if len(flip_indices) != self.num_keypoints:
                raise ValueError(
                    f'the dataset has {len(flip_indices)} keypoints, the '
                    f'head {self.num_keypoints} (num_keypoints)')
            maps, logits = self.forward(feats[0])
            maps_f, logits_f = self.forward(feats[1])
            maps_f = flip_heatmaps(
                maps_f, flip_mode='heatmap',
                flip_indices=flip_indices,
                shift_heatmap=test_cfg.get('shift_heatmap', False))
            maps = (maps + maps_f) * 0.5
            probs = (logits.sigmoid() +
                     logits_f.sigmoid()[:, flip_indices]) * 0.5
        else:
            maps, logits = self.forward(feats)
            probs = logits.sigmoid()
        preds = self.decode(maps)
        for inst, p in zip(preds, probs):
            inst.keypoint_scores = p[None].detach().cpu().numpy()
        return preds

    # ------------------------------------------------------------------
    # training
    # ------------------------------------------------------------------
    def loss(self,
             feats: Feats,
             batch_data_samples: OptSampleList,
             train_cfg: ConfigType = {}) -> dict:
        """``loss_cls_cnn`` (alpha), ``loss_cls_enc`` (alpha1),
        ``loss_cls_dec`` (alpha2), ``loss_div`` (beta) and, with
        location-labelled instances, ``loss_sup_heatmap`` (eq. 14)."""
        check_keypoint_count(type(self).__name__, self.num_keypoints,
                             batch_data_samples)
        out = self.forward_all(feats)
        labels = torch.cat([
            d.gt_instance_labels.keypoint_presence
            for d in batch_data_samples
        ]).to(out['dec_logits'])
        b, c = out['dec_logits'].shape
        if labels.shape != (b, c):
            raise ValueError(
                f'CAMPrototypeHead has {c} keypoint classes (num_keypoints) '
                f'and expects one instance per sample: got presence labels '
                f'{tuple(labels.shape)} from the codec / dataset for B={b}')
        w = self.loss_weights

        def bce(logits):
            return F.binary_cross_entropy_with_logits(logits, labels)

        losses = dict(
            loss_cls_cnn=w['alpha'] * bce(out['cnn_logits']),
            loss_cls_enc=w['alpha1'] * bce(out['enc_logits']),
            loss_cls_dec=w['alpha2'] * bce(out['dec_logits']),
            loss_div=self.div_loss(out['part_feats']))

        if 'location_weight' not in batch_data_samples[0].gt_instance_labels:
            located = labels.new_zeros(b)
        else:
            located = torch.cat([
                d.gt_instance_labels.location_weight
                for d in batch_data_samples
            ]).to(labels)
            # keep the key in every step of a semi-supervised run
            losses['loss_sup_heatmap'] = out['response'].sum() * 0.
        if located.any():
            idx = torch.nonzero(located > 0).flatten()
            gt = torch.stack([
                batch_data_samples[i].gt_fields.heatmaps for i in idx.tolist()
            ]).to(out['response'])
            # decision 10: R_i is a distribution over the 1/4 grid; scaled
            # by its target's mass, its unique minimum is the target itself
            # (R_i = H* / sum H*). Dividing R_i by its maximum instead has
            # a near-minimum at any single spike (measured: the response
            # maps collapsed onto one corner cell, loss 0.24 -> 0.005,
            # AP 0), since a spike scores like the Gaussian's own energy.
            mass = gt.flatten(2).sum(-1)[..., None, None]
            maps = out['response'][idx] * mass
            kw = torch.cat([
                batch_data_samples[i].gt_instance_labels.keypoint_weights
                for i in idx.tolist()
            ]).to(maps)
            # decision 10b: eq. 14's sum runs over the pixels of each map
            # (only 1/C normalises): a squared L2 distance per map, mean
            # over keypoints and instances. ``sup_loss`` is a per-pixel
            # mean, so it is scaled by the number of pixels. Measured with
            # the per-pixel mean: the loss stayed at the flat map's value
            # for 2 epochs (AP 0), and on one overfitted batch the maps'
            # argmax reached the joint for 2 % of keypoints against 91 %
            # summed (tools/benchmark/lofr_overfit_batch.py).
            losses['loss_sup_heatmap'] = self.sup_loss(
                maps, gt, kw) * (maps.shape[-2] * maps.shape[-1])
        with torch.no_grad():
            pred = (out['dec_logits'] > 0).to(labels)
            losses['acc_presence'] = (pred == labels).float().mean()
        return losses
