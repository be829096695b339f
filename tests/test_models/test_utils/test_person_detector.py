"""PRTR's person-detection Transformer: an mmdet DETR checkpoint (80 COCO
classes) initialises it through init_cfg and it then computes exactly what
that DETR computes for person / background; the Hungarian matching on a
hand-made case; the DETR loss of every decoder layer."""
import pytest
import torch
from mmdet.registry import MODELS as MMDET_MODELS
from mmdet.structures import DetDataSample
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

import mmpose_tfx  # noqa: F401
from mmpose_tfx.models.utils import PersonDetectionTransformer
from mmpose_tfx.models.utils.person_detector import detr_head_defaults

pytestmark = pytest.mark.usefixtures('one_thread')

D = 32


def _layer(cross=False):
    cfg = dict(
        self_attn_cfg=dict(embed_dims=D, num_heads=4, dropout=0.,
                           batch_first=True),
        ffn_cfg=dict(embed_dims=D, feedforward_channels=64, num_fcs=2,
                     ffn_drop=0., act_cfg=dict(type='ReLU', inplace=True)))
    if cross:
        cfg['cross_attn_cfg'] = dict(embed_dims=D, num_heads=4, dropout=0.,
                                     batch_first=True)
    return cfg


PARTS = dict(
    encoder=dict(num_layers=2, layer_cfg=_layer()),
    decoder=dict(num_layers=2, layer_cfg=_layer(True),
                 return_intermediate=True),
    positional_encoding=dict(num_feats=D // 2, normalize=True))


def _mmdet_detr():
    """A small mmdet DETR with 80 classes and a ResNet-18 backbone."""
    init_default_scope('mmdet')
    torch.manual_seed(0)
    detr = MMDET_MODELS.build(dict(
        type='DETR', num_queries=7,
        data_preprocessor=dict(type='DetDataPreprocessor'),
        backbone=dict(type='ResNet', depth=18, num_stages=4,
                      out_indices=(3, ), norm_eval=True, style='pytorch'),
        neck=dict(type='ChannelMapper', in_channels=[512], kernel_size=1,
                  out_channels=D, act_cfg=None, norm_cfg=None, num_outs=1),
        bbox_head=dict(detr_head_defaults(), num_classes=80, embed_dims=D),
        train_cfg=dict(assigner=dict(
            type='HungarianAssigner',
            match_costs=[
                dict(type='ClassificationCost', weight=1.),
                dict(type='BBoxL1Cost', weight=5.0, box_format='xywh'),
                dict(type='IoUCost', iou_mode='giou', weight=2.0)])),
        test_cfg=dict(max_per_img=7), **PARTS))
    detr.init_weights()
    with torch.no_grad():  # non-trivial class and box heads
        for p in detr.bbox_head.parameters():
            p.normal_(0, 0.2)
    init_default_scope('mmpose')
    return detr.eval()


def test_mmdet_detr_checkpoint_initialises_it(tmp_path):
    detr = _mmdet_detr()
    path = tmp_path / 'detr.pth'
    torch.save({'state_dict': detr.state_dict()}, path)
    ours = PersonDetectionTransformer(
        in_channels=512, num_queries=7,
        bbox_head=dict(type='DETRHead', num_classes=1),
        init_cfg=dict(type='Pretrained', checkpoint=str(path)), **PARTS)
    ours.init_weights()
    ours.eval()
    assert ours.bbox_head.fc_cls.weight.shape == (2, D)
    x = torch.randn(2, 3, 96, 128)
    samples = [DetDataSample(metainfo=dict(batch_input_shape=(96, 128),
                                           img_shape=(96, 128)))
               for _ in range(2)]
    with torch.no_grad():
        feats = detr.extract_feat(x)
        ref_cls, ref_box = detr.bbox_head(
            detr.forward_transformer(feats, samples)['hidden_states'])
        hs = ours(detr.backbone(x)[-1], samples)
        cls, box = ours.heads(hs)
    assert ref_cls.shape == (2, 2, 7, 81) and cls.shape == (2, 2, 7, 2)
    torch.testing.assert_close(cls, ref_cls[..., [0, 80]])
    torch.testing.assert_close(box, ref_box)


def _detector():
    torch.manual_seed(0)
    det = PersonDetectionTransformer(
        in_channels=8, num_queries=3,
        bbox_head=dict(type='DETRHead', num_classes=1), **PARTS)
    det.init_weights()
    return det


def test_matching_hand_made_case():
    det = _detector()
    # query 0 sits on person 1, query 2 on person 0, query 1 nowhere
    box = torch.tensor([[0.75, 0.5, 0.2, 0.4], [0.1, 0.1, 0.05, 0.05],
                        [0.25, 0.5, 0.2, 0.4]])
    cls = torch.tensor([[2., 0.], [0., 2.], [2., 0.]])
    gt = InstanceData(bboxes=torch.tensor([[10., 30., 30., 70.],
                                           [50., 30., 70., 70.]]),
                      labels=torch.zeros(2, dtype=torch.long))
    assigned = det.match(cls, box, gt, dict(img_shape=(100, 80)))
    assert assigned.tolist() == [1, -1, 0]
    empty = InstanceData(bboxes=torch.zeros(0, 4),
                         labels=torch.zeros(0, dtype=torch.long))
    assert det.match(cls, box, empty, dict(img_shape=(100, 80))).tolist() \
        == [-1, -1, -1]


def test_detr_loss_on_every_layer_and_empty_images():
    det = _detector()
    feat = torch.randn(2, 8, 4, 5)
    samples = [DetDataSample(metainfo=dict(batch_input_shape=(128, 160),
                                           img_shape=(128, 160)))
               for _ in range(2)]
    cls, box = det.heads(det(feat, samples))
    gts = det.gt_instances([torch.tensor([[10., 20., 60., 100.]]),
                            torch.zeros(0, 4)])
    losses = det.loss(cls, box, gts, [s.metainfo for s in samples])
    assert {'loss_cls', 'loss_bbox', 'loss_iou', 'd0.loss_cls',
            'd0.loss_bbox', 'd0.loss_iou'} == set(losses)
    assert all(torch.isfinite(v) for v in losses.values())
    with pytest.raises(ValueError, match='num_classes'):
        PersonDetectionTransformer(bbox_head=dict(type='DETRHead',
                                                  num_classes=80))
