"""PRTR, end-to-end variant (Li et al., CVPR 2021, sections 3.1, 3.3, 4.1;
Fig. 3; Tables 1-2 rows marked *), as a bottom-up MMPose head: whole image
in, people with keypoints out, trained jointly.

1. Person-detection Transformer on the backbone's last level
   (:class:`~mmpose_tfx.models.utils.PersonDetectionTransformer`: mmdet's
   DETR, person / background, every decoder layer supervised).
2. Multi-layer cropping with STN (eqs. 4-6,
   :mod:`~mmpose_tfx.models.utils.stn_crop`): each selected person box,
   enlarged by 25 % in width and height, defines a ``w x h`` grid that
   bilinearly samples several backbone levels; the crops are concatenated
   along channels. Differentiable with respect to the features and to the
   box.
3. Keypoint-detection Transformer on the crops: the two-stage variant's
   :class:`~mmpose_tfx.models.heads.HungarianKeypointHead` (its multi-level
   input, matcher, loss and read-out), coordinates in the crop's
   normalised frame, mapped back through the box.

Training (section 4.1): the final layer's person predictions are matched to
the ground-truth people (mmdet's ``HungarianAssigner``, the DETR loss's own
matching); unmatched queries are discarded for the keypoint stage; images
with more than ``max_train_people`` (5) matched people keep a random 5;
keypoint targets are each person's keypoints in its predicted, enlarged box.
Loss = DETR person loss (keys ``det.*``) + PRTR keypoint loss (``kpt.*``).

Predict: people ranked by person probability, kept above
``test_cfg.score_thr`` and at most ``num_people``; per person the keypoint
read-out. ``keypoints``, ``keypoint_scores``, ``bboxes`` (the predicted,
not enlarged box) and ``bbox_scores`` are returned in input pixels and
mapped to the image by MMPose's ``BottomupPoseEstimator``.

Decisions are numbered in docs/prtr.md (end-to-end section).
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.structures import InstanceData
from mmpose.models.heads.base_head import BaseHead
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptConfigType, Predictions
from torch import Tensor

from ....engine.hooks import check_keypoint_count
from ...utils.stn_crop import (crop_features, enlarge_boxes, from_box_frame,
                               to_box_frame)


def _cxcywh_to_xyxy(boxes: Tensor) -> Tensor:
    cxcy, wh = boxes[..., :2], boxes[..., 2:]
    return torch.cat([cxcy - wh * 0.5, cxcy + wh * 0.5], dim=-1)


@MODELS.register_module()
class PRTREndToEndHead(BaseHead):
    """Person DETR + STN multi-layer cropping + keypoint transformer.

    Args:
        person_detector (dict): :class:`PersonDetectionTransformer` config.
        keypoint_head (dict): :class:`HungarianKeypointHead` config; its
            ``in_channels`` are those of ``crop_levels`` and its
            ``in_index`` selects all crops (``(0, 1, ...)``).
        crop_levels (Sequence[int]): Backbone outputs sampled by the STN.
        detector_level (int): Backbone output the person DETR reads (-1).
        detector_stride (int): Its stride (32); gives the input size in
            tensor mode, where no data samples are passed.
        crop_size (tuple[int, int]): ``(w, h)`` of the sampling grid.
        box_scale (float): Enlargement of the boxes before cropping (1.25).
        max_train_people (int): People per image in the keypoint stage
            during training (5).
        num_people (int): At most this many people per image at inference
            (and in tensor mode).
        learned_crop_position (bool): Give the keypoint transformer the
            end-to-end authors' position embedding of the crop grid (sine +
            learned row / column embeddings, the same for every box;
            ``HungarianKeypointHead(learned_position_grid=crop_size)``).
            Default True; False: the two-stage sine embedding
            (docs/prtr.md, end-to-end decision 21).
        detach_crop_boxes (bool): Stop the keypoint loss from reaching the
            box head through the sampling grid (default False: it does, as
            the paper's "differentiable ... to the bounding box").
        train_keypoints (bool): Train the keypoint stage (default). False
            trains the person detector alone (the paper's first stage, a
            person detector tuned before the joint training).
        init_cfg (dict, optional): Initialisation config.

    ``test_cfg``: ``score_thr`` (person probability, default 0.05).
    """

    def __init__(self,
                 person_detector: ConfigType,
                 keypoint_head: ConfigType,
                 crop_levels: Sequence[int] = (1, 2, 3),
                 detector_level: int = -1,
                 detector_stride: int = 32,
                 crop_size: Tuple[int, int] = (12, 16),
                 box_scale: float = 1.25,
                 max_train_people: int = 5,
                 num_people: int = 20,
                 learned_crop_position: bool = True,
                 detach_crop_boxes: bool = False,
                 train_keypoints: bool = True,
                 init_cfg: OptConfigType = None):
        super().__init__(init_cfg)
        self.person_detector = MODELS.build(person_detector)
        if len(crop_size) != 2 or min(crop_size) < 1:
            raise ValueError(f'crop_size must be (w, h) > 0, got {crop_size}')
        self.crop_size = tuple(int(s) for s in crop_size)
        keypoint_head = dict(keypoint_head)
        keypoint_head.pop('decoder', None)  # read-out is done here
        if learned_crop_position:
            keypoint_head['learned_position_grid'] = self.crop_size
        self.keypoint_head = MODELS.build(keypoint_head)
        self.crop_levels = list(crop_levels)
        if len(self.keypoint_head.in_channels) != len(self.crop_levels):
            raise ValueError(
                f'keypoint_head in_channels {self.keypoint_head.in_channels} '
                f'must give one entry per crop level {self.crop_levels}')
        self.detector_level = detector_level
        self.detector_stride = detector_stride
        if box_scale <= 0 or max_train_people < 1 or num_people < 1:
            raise ValueError('box_scale, max_train_people and num_people '
                             'must be positive')
        self.box_scale = box_scale
        self.max_train_people = max_train_people
        self.num_people = num_people
        self.detach_crop_boxes = detach_crop_boxes
        self.train_keypoints = train_keypoints
        self.num_keypoints = self.keypoint_head.num_keypoints
        self.decoder = None  # no codec: the head decodes itself

    # ------------------------------------------------------------------
    # shared steps
    # ------------------------------------------------------------------
    def detect(self, feats: Sequence[Tensor],
               batch_data_samples: Optional[Sequence] = None
               ) -> Tuple[Tensor, Tensor]:
        """Person DETR: ``(cls (L, B, Q, 2), boxes (L, B, Q, 4))``, boxes as
        ``cx, cy, w, h`` normalised by each image's unpadded size."""
        hs = self.person_detector(feats[self.detector_level],
                                  batch_data_samples)
        return self.person_detector.heads(hs)

    def keypoints_in_boxes(self, feats: Sequence[Tensor],
                           batch_index: Tensor, boxes: Tensor,
                           input_shape: Tuple[int, int]
                           ) -> Tuple[Tensor, Tensor]:
        """Crop every box (input pixels, already enlarged) from the
        ``crop_levels`` and run the keypoint transformer: ``(cls (M, N, Q',
        J + 1), coords (M, N, Q', 2))``, coordinates in each crop's
        normalised frame."""
        crops = crop_features([feats[i] for i in self.crop_levels],
                              batch_index, boxes, self.crop_size,
                              input_shape)
        return self.keypoint_head(crops)

    @staticmethod
    def _image_sizes(batch_data_samples, batch: int,
                     input_shape: Tuple[int, int], device) -> Tensor:
        """``(B, 4)`` of ``(w, h, w, h)`` unpadded input sizes."""
        if batch_data_samples is None:
            h, w = input_shape
            return torch.tensor([[w, h, w, h]], dtype=torch.float32,
                                device=device).expand(batch, 4)
        sizes = [d.metainfo['img_shape'] for d in batch_data_samples]
        return torch.tensor([[w, h, w, h] for h, w in sizes],
                            dtype=torch.float32, device=device)

    # ------------------------------------------------------------------
    # inference
    # ------------------------------------------------------------------
    def forward(self,
                feats: Sequence[Tensor],
                batch_data_samples: Optional[Sequence] = None
                ) -> Tuple[Tensor, ...]:
        """Tensor mode: the ``num_people`` most probable people per image,
        up to (not including) the keypoint read-out, which is a Hungarian
        assignment (:meth:`read_out`; scipy, not part of an exported graph).

        Returns:
            tuple: ``person_scores (B, P)`` (person probability, sorted),
            ``boxes (B, P, 4)`` (``x1, y1, x2, y2`` input pixels),
            ``crop_boxes (B, P, 4)`` (the enlarged boxes the keypoint stage
            sees), ``kpt_logits (B, P, Q', J + 1)`` and ``kpt_coords (B, P,
            Q', 2)`` (the keypoint transformer's last layer, coordinates in
            each crop's normalised frame); ``P = min(num_people, Q)``.
        """
        cls, boxes = self.detect(feats, batch_data_samples)
        prob = cls[-1].softmax(-1)[..., 0]  # (B, Q) person
        b, q = prob.shape
        p = min(self.num_people, q)
        scores, order = prob.topk(p, dim=1)
        if batch_data_samples is not None:
            input_shape = tuple(batch_data_samples[0].batch_input_shape)
        else:  # tensor mode: the input is the detector level x its stride
            fh, fw = feats[self.detector_level].shape[-2:]
            input_shape = (fh * self.detector_stride,
                           fw * self.detector_stride)
        sizes = self._image_sizes(batch_data_samples, b, input_shape,
                                  prob.device)
        sel = boxes[-1].gather(1, order[..., None].expand(b, p, 4))
        xyxy = _cxcywh_to_xyxy(sel) * sizes[:, None]
        crop_boxes = enlarge_boxes(xyxy.reshape(b * p, 4), self.box_scale)
        batch_index = torch.arange(b, device=prob.device).repeat_interleave(p)
        kcls, kcoords = self.keypoints_in_boxes(feats, batch_index,
                                                crop_boxes, input_shape)
        return (scores, xyxy, crop_boxes.reshape(b, p, 4),
                kcls[-1].reshape(b, p, *kcls.shape[-2:]),
                kcoords[-1].reshape(b, p, *kcoords.shape[-2:]))

    def read_out(self, crop_boxes: Tensor, kpt_logits: Tensor,
                 kpt_coords: Tensor) -> Tuple[Tensor, Tensor]:
        """PRTR's read-out per person, mapped through its crop box: keypoints
        ``(B, P, J, 2)`` in input pixels and scores ``(B, P, J)``."""
        b, p = crop_boxes.shape[:2]
        kpts, kscores = self.keypoint_head.readout(
            kpt_logits.flatten(0, 1), kpt_coords.flatten(0, 1))
        kpts = from_box_frame(kpts, crop_boxes.reshape(b * p, 4))
        j = self.num_keypoints
        return kpts.reshape(b, p, j, 2), kscores.reshape(b, p, j)

    def predict(self,
                feats: Union[Sequence[Tensor], list],
                batch_data_samples: Sequence,
                test_cfg: ConfigType = {}) -> Predictions:
        """People above ``test_cfg.score_thr`` (at most ``num_people``)
        with keypoints, in input pixels."""
        if test_cfg.get('flip_test', False):
            raise ValueError('the end-to-end PRTR has no flip test (the '
                             'paper uses none); set test_cfg.flip_test=False')
        check_keypoint_count(type(self).__name__, self.num_keypoints,
                             batch_data_samples)
        thr = test_cfg.get('score_thr', 0.05)
        scores, boxes, crop_boxes, logits, coords = self.forward(
            feats, batch_data_samples)
        kpts, kscores = self.read_out(crop_boxes, logits, coords)
        preds = []
        for i in range(scores.shape[0]):
            keep = scores[i] > thr
            inst = InstanceData()
            inst.keypoints = kpts[i][keep].detach().cpu().numpy()
            inst.keypoint_scores = kscores[i][keep].detach().cpu().numpy()
            inst.bboxes = boxes[i][keep].detach().cpu().numpy()
            inst.bbox_scores = scores[i][keep].detach().cpu().numpy()
            preds.append(inst)
        return preds

    # ------------------------------------------------------------------
    # training
    # ------------------------------------------------------------------
    def _ground_truth(self, batch_data_samples, device) -> List[Dict]:
        """Per image: non-crowd ``boxes (N, 4)``, ``keypoints (N, J, 2)``,
        ``visible (N, J)`` as tensors in input pixels."""
        out = []
        for d in batch_data_samples:
            gt = d.gt_instances
            boxes = np.asarray(gt.get('bboxes', np.zeros((0, 4))),
                               np.float32).reshape(-1, 4)
            n = len(boxes)
            kpts = np.asarray(
                gt.get('keypoints', np.zeros((n, self.num_keypoints, 2))),
                np.float32)
            vis = np.asarray(
                gt.get('keypoints_visible', np.zeros(kpts.shape[:2])),
                np.float32)
            if vis.ndim == 3:
                vis = vis[..., 0]
            if n and (kpts.shape[1:] != (self.num_keypoints, 2)
                      or vis.shape != (n, self.num_keypoints)):
                raise ValueError(
                    f'{d.metainfo.get("img_path", "an image")}: the dataset '
                    f'gives keypoints {kpts.shape} / visibility {vis.shape} '
                    f'for {n} people, the head has {self.num_keypoints} '
                    'keypoints (keypoint_head.num_keypoints)')
            crowd = np.asarray(d.metainfo.get('iscrowd', [0] * n),
                               bool).reshape(-1)
            if len(crowd) != n:
                crowd = np.zeros(n, bool)
            keep = ~crowd & (boxes[:, 2] > boxes[:, 0]) & \
                (boxes[:, 3] > boxes[:, 1])
            out.append(
                dict(
                    boxes=torch.from_numpy(boxes[keep]).to(device),
                    keypoints=torch.from_numpy(kpts[keep]).to(device),
                    visible=torch.from_numpy(vis[keep]).to(device)))
        return out

    def select_people(self, cls: Tensor, boxes: Tensor, gts: List[Dict],
                      img_metas: List[dict],
                      gt_instances: List[InstanceData]
                      ) -> Tuple[Tensor, Tensor, Tensor]:
        """Matched (query, person) pairs for the keypoint stage.

        Final-layer predictions are matched to the ground truth
        (``HungarianAssigner``); pairs whose person has no labelled keypoint
        are dropped (they still train the detector); at most
        ``max_train_people`` random pairs per image are kept.

        Returns:
            tuple: ``batch_index (N,)``, ``query (N,)``, ``person (N,)``.
        """
        bi, qi, pi = [], [], []
        for b, gt in enumerate(gts):
            if len(gt['boxes']) == 0:
                continue
            assigned = self.person_detector.match(cls[-1, b], boxes[-1, b],
                                                  gt_instances[b],
                                                  img_metas[b])
            queries = torch.nonzero(assigned >= 0).flatten()
            people = assigned[queries]
            labelled = (gt['visible'][people] > 0).any(-1)
            queries, people = queries[labelled], people[labelled]
            if len(queries) > self.max_train_people:
                pick = torch.randperm(len(queries))[:self.max_train_people]
                pick = pick.to(queries.device)
                queries, people = queries[pick], people[pick]
            bi.append(torch.full_like(queries, b))
            qi.append(queries)
            pi.append(people)
        if not bi:
            empty = cls.new_zeros(0, dtype=torch.long)
            return empty, empty, empty
        return torch.cat(bi), torch.cat(qi), torch.cat(pi)

    def keypoint_targets(self, gts: List[Dict], batch_index: Tensor,
                         person: Tensor, crop_boxes: Tensor
                         ) -> Tuple[Tensor, Tensor]:
        """Each person's keypoints in its (detached) crop box, normalised
        (``u = i / w`` for crop pixel ``i``), and weights: labelled and
        inside the crop (``0 <= u <= (w - 1) / w``), as the two-stage
        codec."""
        w, h = self.crop_size
        kpts = torch.stack([
            gts[b]['keypoints'][p]
            for b, p in zip(batch_index.tolist(), person.tolist())
        ])
        vis = torch.stack([
            gts[b]['visible'][p]
            for b, p in zip(batch_index.tolist(), person.tolist())
        ])
        coords = to_box_frame(kpts, crop_boxes.detach())
        limit = coords.new_tensor([(w - 1) / w, (h - 1) / h])
        inside = ((coords >= 0) & (coords <= limit)).all(-1)
        finite = torch.isfinite(coords).all(-1)
        weights = ((vis > 0) & inside & finite).to(coords.dtype)
        coords = torch.where(finite[..., None], coords,
                             torch.zeros_like(coords))
        return coords, weights

    def loss(self,
             feats: Sequence[Tensor],
             batch_data_samples: Sequence,
             train_cfg: ConfigType = {}) -> dict:
        """``det.*`` (DETR person loss, every decoder layer) + ``kpt.*``
        (PRTR keypoint loss on the selected people, every decoder layer)."""
        check_keypoint_count(type(self).__name__, self.num_keypoints,
                             batch_data_samples)
        cls, boxes = self.detect(feats, batch_data_samples)
        device = cls.device
        gts = self._ground_truth(batch_data_samples, device)
        img_metas = [d.metainfo for d in batch_data_samples]
        gt_instances = self.person_detector.gt_instances(
            [g['boxes'] for g in gts])
        losses = {
            f'det.{k}': v
            for k, v in self.person_detector.loss(cls, boxes, gt_instances,
                                                  img_metas).items()
        }
        if not self.train_keypoints:
            return losses

        batch_index, query, person = self.select_people(
            cls, boxes, gts, img_metas, gt_instances)
        input_shape = tuple(batch_data_samples[0].batch_input_shape)
        b = cls.shape[1]
        sizes = self._image_sizes(batch_data_samples, b, input_shape, device)
        empty = len(query) == 0
        if empty:
            # no labelled person matched: run the keypoint stage on one
            # whole-image box with zero weight, so that every parameter
            # takes part in the graph (DDP) and the loss stays finite
            batch_index = torch.zeros(1, dtype=torch.long, device=device)
            pred = sizes[:1].clone() * cls.new_tensor([0, 0, 1, 1])
        else:
            pred = _cxcywh_to_xyxy(boxes[-1, batch_index, query]) * \
                sizes[batch_index]
        if self.detach_crop_boxes:
            pred = pred.detach()
        crop_boxes = enlarge_boxes(pred, self.box_scale)
        kcls, kcoords = self.keypoints_in_boxes(feats, batch_index,
                                                crop_boxes, input_shape)
        if empty:
            j = self.num_keypoints
            gt = kcoords.new_zeros(1, j, 2)
            weights = kcoords.new_zeros(1, j)
            kpt_losses = self.keypoint_head.loss_by_targets(
                kcls, kcoords, gt, weights)
            kpt_losses = {
                k: v * 0 if 'loss' in k else v
                for k, v in kpt_losses.items()
            }
        else:
            gt, weights = self.keypoint_targets(gts, batch_index, person,
                                                crop_boxes)
            kpt_losses = self.keypoint_head.loss_by_targets(
                kcls, kcoords, gt, weights)
        losses.update({f'kpt.{k}': v for k, v in kpt_losses.items()})
        losses['kpt.num_people'] = torch.tensor(
            0. if empty else float(len(query)), device=device)
        return losses
