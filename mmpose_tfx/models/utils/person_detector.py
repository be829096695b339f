"""PRTR's person-detection Transformer (section 3.1): DETR on the backbone's
last level with a person / background classifier, built from mmdet's DETR.

The module holds exactly the parts of mmdet's ``DETR`` detector that come
after the backbone, under the same names (``neck`` = DETR's 1x1
``ChannelMapper``, ``positional_encoding``, ``encoder``, ``decoder``,
``query_embedding``, ``bbox_head`` = mmdet's ``DETRHead`` with its
``HungarianAssigner`` (classification / box-L1 / GIoU costs), cross-entropy
with background weight 0.1, L1 and GIoU losses), and runs mmdet's own
``DETR.pre_transformer / forward_encoder / pre_decoder / forward_decoder``
(bound here, not re-written). So an mmdet DETR checkpoint loads into it
key for key through ``init_cfg=dict(type='Pretrained', checkpoint=...)``
(its ``backbone.*`` keys go to the pose model's backbone with
``prefix='backbone.'``).

Class head (docs/prtr.md, end-to-end decision 1): "we keep all weights
except prototype vectors for non-person class in the classifier". A
checkpoint whose ``bbox_head.fc_cls`` has more rows than this module's two
(person, background) is reduced on load to the rows
``[source_person_index, -1]``: COCO's person (class 0 in mmdet's order) and
DETR's background (the last row). The box head is kept whole.
"""
import copy
from typing import List, Optional, Sequence

import torch
from mmdet.models.detectors.base_detr import DetectionTransformer
from mmdet.models.detectors.detr import DETR
from mmdet.models.layers import (DetrTransformerDecoder,
                                 DetrTransformerEncoder,
                                 SinePositionalEncoding)
from mmdet.models.necks import ChannelMapper
from mmdet.registry import MODELS as MMDET_MODELS
from mmengine.model import BaseModule
from mmengine.structures import InstanceData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample
from torch import Tensor, nn

DETR_LAYER = dict(
    self_attn_cfg=dict(
        embed_dims=256, num_heads=8, dropout=0.1, batch_first=True),
    ffn_cfg=dict(
        embed_dims=256,
        feedforward_channels=2048,
        num_fcs=2,
        ffn_drop=0.1,
        act_cfg=dict(type='ReLU', inplace=True)))
DETR_DECODER_LAYER = dict(
    DETR_LAYER,
    cross_attn_cfg=dict(
        embed_dims=256, num_heads=8, dropout=0.1, batch_first=True))




def detr_head_defaults() -> dict:
    """mmdet DETR's head, losses and matcher (``detr_r50_8xb2-150e_coco``),
    as fresh dicts: ``DETRHead`` writes into its ``loss_cls`` argument, so
    its mutable defaults must never be shared between two heads."""
    return dict(
        type='DETRHead',
        num_classes=1,
        loss_cls=dict(
            type='CrossEntropyLoss',
            bg_cls_weight=0.1,
            use_sigmoid=False,
            loss_weight=1.0,
            class_weight=1.0),
        loss_bbox=dict(type='L1Loss', loss_weight=5.0),
        loss_iou=dict(type='GIoULoss', loss_weight=2.0),
        train_cfg=dict(
            assigner=dict(
                type='HungarianAssigner',
                match_costs=[
                    dict(type='ClassificationCost', weight=1.),
                    dict(type='BBoxL1Cost', weight=5.0, box_format='xywh'),
                    dict(type='IoUCost', iou_mode='giou', weight=2.0)
                ])),
        test_cfg=dict(max_per_img=100))


@MODELS.register_module()
class PersonDetectionTransformer(BaseModule):
    """DETR person detector on one feature level.

    Args:
        in_channels (int): Channels of the backbone level it reads (2048 for
            ResNet C5).
        num_queries (int): Person queries (DETR: 100).
        encoder (dict): mmdet ``DetrTransformerEncoder`` config.
        decoder (dict): mmdet ``DetrTransformerDecoder`` config
            (``return_intermediate=True``: every layer is supervised).
        positional_encoding (dict): mmdet ``SinePositionalEncoding``.
        bbox_head (dict): mmdet ``DETRHead`` config with ``num_classes=1``
            (built in mmdet's scope); unset keys take DETR's values
            (:func:`detr_head_defaults`).
        source_person_index (int): Row of the person class in a checkpoint
            with more classes (0 in mmdet's COCO order).
        init_cfg (dict, optional): e.g. ``Pretrained`` with an mmdet DETR
            checkpoint.
    """

    # mmdet's DETR pipeline, reused as it is: these read only the
    # attributes below
    pre_transformer = DETR.pre_transformer
    forward_encoder = DETR.forward_encoder
    pre_decoder = DETR.pre_decoder
    forward_decoder = DETR.forward_decoder
    forward_transformer = DetectionTransformer.forward_transformer

    def __init__(self,
                 in_channels: int = 2048,
                 num_queries: int = 100,
                 encoder: dict = dict(num_layers=6, layer_cfg=DETR_LAYER),
                 decoder: dict = dict(
                     num_layers=6,
                     layer_cfg=DETR_DECODER_LAYER,
                     return_intermediate=True),
                 positional_encoding: dict = dict(
                     num_feats=128, normalize=True),
                 bbox_head: dict = dict(type='DETRHead', num_classes=1),
                 source_person_index: int = 0,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        bbox_head = {**detr_head_defaults(), **copy.deepcopy(dict(bbox_head))}
        if bbox_head.get('num_classes', 1) != 1:
            raise ValueError('the person detector has one class (person); '
                             f"got num_classes={bbox_head['num_classes']}")
        bbox_head['num_classes'] = 1
        self.num_queries = num_queries
        self.source_person_index = source_person_index
        self.positional_encoding = SinePositionalEncoding(
            **positional_encoding)
        self.encoder = DetrTransformerEncoder(**encoder)
        self.decoder = DetrTransformerDecoder(**decoder)
        self.embed_dims = self.encoder.embed_dims
        if self.positional_encoding.num_feats * 2 != self.embed_dims:
            raise ValueError(
                f'embed_dims ({self.embed_dims}) must be twice the '
                f'positional encoding num_feats '
                f'({self.positional_encoding.num_feats})')
        self.neck = ChannelMapper(
            in_channels=[in_channels],
            kernel_size=1,
            out_channels=self.embed_dims,
            act_cfg=None,
            norm_cfg=None,
            num_outs=1)
        self.query_embedding = nn.Embedding(num_queries, self.embed_dims)
        bbox_head.setdefault('embed_dims', self.embed_dims)
        self.bbox_head = MMDET_MODELS.build(dict(bbox_head, _scope_='mmdet'))
        self._register_load_state_dict_pre_hook(self._person_rows)

    def init_weights(self) -> None:
        """DETR's: xavier-uniform for the Transformer matrices (mmdet's
        ``DETR.init_weights``); a ``Pretrained`` init_cfg loads instead."""
        super().init_weights()
        if self.init_cfg is not None:
            return
        for coder in (self.encoder, self.decoder):
            for p in coder.parameters():
                if p.dim() > 1:
                    nn.init.xavier_uniform_(p)

    def _person_rows(self, state_dict, prefix, *args) -> None:
        """Reduce a multi-class DETR classifier to person + background."""
        for name in ('weight', 'bias'):
            key = f'{prefix}bbox_head.fc_cls.{name}'
            if key in state_dict and state_dict[key].shape[0] > 2:
                rows = state_dict[key]
                state_dict[key] = rows[[self.source_person_index, -1]].clone()

    def forward(self, feat: Tensor,
                batch_data_samples: Optional[Sequence] = None
                ) -> Tensor:
        """Backbone level ``(B, C, H, W)`` -> decoder outputs ``(L, B, Q,
        d)`` of every layer (after DETR's post-norm).

        ``batch_data_samples`` give ``img_shape`` / ``batch_input_shape``
        for the padding mask; without them (tensor mode) the batch is taken
        as unpadded."""
        if batch_data_samples is None:
            h, w = feat.shape[-2:]
            meta = dict(batch_input_shape=(h, w), img_shape=(h, w))
            batch_data_samples = [
                PoseDataSample(metainfo=meta) for _ in range(feat.shape[0])
            ]
        img_feats = self.neck((feat, ))
        return self.forward_transformer(img_feats,
                                        batch_data_samples)['hidden_states']

    def heads(self, hidden_states: Tensor):
        """``(cls_scores (L, B, Q, 2), boxes (L, B, Q, 4))``: logits over
        (person, background) and boxes ``cx, cy, w, h`` normalised by each
        image's unpadded size (mmdet's ``DETRHead.forward``)."""
        return self.bbox_head(hidden_states)

    def gt_instances(self, boxes: List[Tensor]) -> List[InstanceData]:
        """mmdet ground truth from per-image ``(N_i, 4)`` person boxes."""
        return [
            InstanceData(
                bboxes=b, labels=torch.zeros(len(b), dtype=torch.long,
                                             device=b.device)) for b in boxes
        ]

    def loss(self, cls_scores: Tensor, boxes: Tensor,
             gt_instances: List[InstanceData], img_metas: List[dict]) -> dict:
        """mmdet's DETR loss on every decoder layer: ``loss_cls``,
        ``loss_bbox``, ``loss_iou`` (last) and ``d{i}.*``."""
        return self.bbox_head.loss_by_feat(cls_scores, boxes, gt_instances,
                                           img_metas)

    def match(self, cls_score: Tensor, box: Tensor,
              gt_instance: InstanceData, img_meta: dict) -> Tensor:
        """mmdet's ``HungarianAssigner`` on one image's final predictions.

        Args:
            cls_score (Tensor): ``(Q, 2)`` logits.
            box (Tensor): ``(Q, 4)`` normalised ``cx, cy, w, h``.
            gt_instance (InstanceData): ``bboxes (N, 4)``, ``labels (N,)``.
            img_meta (dict): with ``img_shape``.

        Returns:
            Tensor: ``(Q,)`` matched ground-truth index per query, -1 for
            unmatched queries.
        """
        from mmdet.structures.bbox import bbox_cxcywh_to_xyxy
        img_h, img_w = img_meta['img_shape']
        factor = box.new_tensor([img_w, img_h, img_w, img_h])
        pred = InstanceData(
            scores=cls_score, bboxes=bbox_cxcywh_to_xyxy(box) * factor)
        with torch.no_grad():
            result = self.bbox_head.assigner.assign(
                pred_instances=pred, gt_instances=gt_instance,
                img_meta=img_meta)
        return result.gt_inds - 1
