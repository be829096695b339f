"""PRTR end-to-end head: at most 5 people per image reach the keypoint
stage, losses are finite on images without people and with all keypoints
invisible, both losses reach the box head, a perfect synthetic output maps
back to the right image coordinates through MMPose's bottom-up estimator,
tensor mode shapes."""
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData
from mmpose.models.pose_estimators import BottomupPoseEstimator
from mmpose.structures import PoseDataSample

import mmpose_tfx  # noqa: F401
from mmpose_tfx.models.heads import PRTREndToEndHead

pytestmark = pytest.mark.usefixtures('one_thread')

D, J, H, W = 32, 5, 64, 96  # input 64 x 96: C3 8x12, C4 4x6, C5 2x3


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


def _head_args(**kw):
    args = dict(
        person_detector=dict(
            type='PersonDetectionTransformer', in_channels=16,
            num_queries=10,
            encoder=dict(num_layers=1, layer_cfg=_layer()),
            decoder=dict(num_layers=2, layer_cfg=_layer(True),
                         return_intermediate=True),
            positional_encoding=dict(num_feats=D // 2, normalize=True),
            bbox_head=dict(num_classes=1)),
        keypoint_head=dict(
            type='HungarianKeypointHead', in_channels=(4, 8),
            in_index=(0, 1), num_keypoints=J, num_queries=J,
            embed_dims=D, num_encoder_layers=1, num_decoder_layers=2,
            num_heads=4, feedforward_channels=64, dropout=0.),
        crop_levels=(0, 1), detector_level=-1, crop_size=(4, 6),
        num_people=10)
    args.update(kw)
    return args


def _head(**kw):
    torch.manual_seed(0)
    head = PRTREndToEndHead(**_head_args(**kw))
    head.init_weights()
    return head


def _feats(b=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(b, 4, H // 8, W // 8, generator=g),
            torch.randn(b, 8, H // 16, W // 16, generator=g),
            torch.randn(b, 16, H // 32, W // 32, generator=g))


def _sample(boxes, kpts, vis, crowd=None):
    s = PoseDataSample(metainfo=dict(
        batch_input_shape=(H, W), img_shape=(H, W), input_size=(W, H),
        input_center=np.array([W / 2, H / 2]),
        input_scale=np.array([W, H], np.float32)))
    if crowd is not None:
        s.set_metainfo(dict(iscrowd=crowd))
    s.gt_instances = InstanceData(
        bboxes=np.asarray(boxes, np.float32).reshape(-1, 4),
        keypoints=np.asarray(kpts, np.float32).reshape(-1, J, 2),
        keypoints_visible=np.asarray(vis, np.float32).reshape(-1, J))
    return s


def _people(n, seed=0):
    rng = np.random.default_rng(seed)
    x1 = rng.uniform(0, W - 30, n)
    y1 = rng.uniform(0, H - 30, n)
    boxes = np.stack([x1, y1, x1 + 25, y1 + 28], 1)
    kpts = boxes[:, None, :2] + rng.uniform(2, 22, (n, J, 2))
    return boxes, kpts, np.ones((n, J))


def test_at_most_five_people_per_image_reach_the_keypoint_stage():
    head = _head()
    samples = [_sample(*_people(8, seed=1)), _sample(*_people(3, seed=2))]
    gts = head._ground_truth(samples, 'cpu')
    cls, boxes = head.detect(_feats(), samples)
    metas = [s.metainfo for s in samples]
    gti = head.person_detector.gt_instances([g['boxes'] for g in gts])
    seen = set()
    for trial in range(5):
        torch.manual_seed(trial)
        b, q, p = head.select_people(cls, boxes, gts, metas, gti)
        assert (b == 0).sum() == 5 and (b == 1).sum() == 3
        for img in (0, 1):
            assert len(set(q[b == img].tolist())) == (b == img).sum()
            # each selected pair is one of the matcher's pairs
            assigned = head.person_detector.match(cls[-1, img],
                                                  boxes[-1, img], gti[img],
                                                  metas[img])
            for qq, pp in zip(q[b == img].tolist(), p[b == img].tolist()):
                assert assigned[qq] == pp
        seen.add(tuple(sorted(p[b == 0].tolist())))
    assert len(seen) > 1  # a random 5 of the 8


def test_people_without_labelled_keypoints_only_train_the_detector():
    head = _head()
    boxes, kpts, vis = _people(3)
    vis[1] = 0
    samples = [_sample(boxes, kpts, vis), _sample(*_people(2, seed=4))]
    gts = head._ground_truth(samples, 'cpu')
    cls, pboxes = head.detect(_feats(), samples)
    gti = head.person_detector.gt_instances([g['boxes'] for g in gts])
    b, q, p = head.select_people(cls, pboxes, gts,
                                 [s.metainfo for s in samples], gti)
    assert 1 not in p[b == 0].tolist() and (b == 0).sum() == 2
    # crowd instances are not ground truth at all
    crowd = _sample(*_people(2), crowd=[1, 0])
    assert len(head._ground_truth([crowd], 'cpu')[0]['boxes']) == 1


def test_losses_finite_without_people_and_reach_the_box_head():
    head = _head().train()
    empty = _sample(np.zeros((0, 4)), np.zeros((0, J, 2)), np.zeros((0, J)))
    invisible = _sample(*_people(2)[:2], np.zeros((2, J)))
    for samples in ([empty, empty], [empty, invisible]):
        losses = head.loss(_feats(), samples)
        assert all(torch.isfinite(v) for v in losses.values()), losses
        assert losses['kpt.loss_kpt'] == 0 and losses['kpt.num_people'] == 0
        total = sum(v for k, v in losses.items() if 'loss' in k)
        head.zero_grad()
        total.backward()
        for name, p in head.named_parameters():
            assert p.grad is not None and torch.isfinite(p.grad).all(), name
    # with people: the keypoint loss alone reaches the box regression
    samples = [_sample(*_people(3)), _sample(*_people(2, seed=5))]
    losses = head.loss(_feats(), samples)
    assert losses['kpt.num_people'] > 0
    head.zero_grad()
    (losses['kpt.loss_kpt'] + losses['kpt.loss_cls']).backward()
    assert head.person_detector.bbox_head.fc_reg.weight.grad.abs().sum() > 0
    detached = _head(detach_crop_boxes=True).train()
    losses = detached.loss(_feats(), samples)
    (losses['kpt.loss_kpt'] + losses['kpt.loss_cls']).backward()
    g = detached.person_detector.bbox_head.fc_reg.weight.grad
    assert g is None or g.abs().sum() == 0


def test_keypoint_targets_in_the_enlarged_box():
    head = _head()
    gts = [dict(keypoints=torch.tensor([[[20., 30.], [0., 0.], [60., 80.],
                                         [24., 36.], [40., 50.]]]),
                visible=torch.tensor([[1., 1., 1., 0., 1.]]))]
    box = torch.tensor([[20., 30., 44., 66.]])  # 24 x 36
    coords, weights = head.keypoint_targets(
        gts, torch.tensor([0]), torch.tensor([0]), box)
    torch.testing.assert_close(coords[0, 0], torch.tensor([0., 0.]))
    torch.testing.assert_close(coords[0, 4], torch.tensor([20 / 24, 20 / 36]))
    # outside the crop, unlabelled: weight 0; crop w = 4: u <= 3 / 4
    assert weights[0].tolist() == [1., 0., 0., 0., 0.]


def test_predict_maps_a_perfect_output_back_to_the_image():
    """A detector that outputs a box and a keypoint stage that outputs
    known crop coordinates: the estimator returns the right image
    coordinates for an image that the pipeline resized by 1/2."""
    model = BottomupPoseEstimator(
        backbone=dict(type='ResNet', depth=18),
        head=dict(type='PRTREndToEndHead', **_head_args()),
        test_cfg=dict(score_thr=0.5))
    head = model.head.eval()
    box_img = np.array([40., 20., 100., 140.])  # original image pixels
    kpt_img = np.array([[60., 30.], [70., 60.], [80., 90.], [90., 120.],
                        [50., 40.]])
    scale = 0.5  # original 192 x 128 -> input 96 x 64
    box_in = torch.tensor(box_img * scale, dtype=torch.float32)

    def detect(feats, samples=None):
        cls = torch.full((2, 1, 10, 2), -5.)
        cls[:, :, 3, 0] = 5.  # query 3 is a person
        cx, cy = (box_in[:2] + box_in[2:]) / 2
        bw, bh = box_in[2:] - box_in[:2]
        boxes = torch.tensor([cx / W, cy / H, bw / W, bh / H]).expand(
            2, 1, 10, 4).clone()
        return cls, boxes

    head.detect = detect
    crop_box = box_in.clone()
    crop_box[:2] -= (box_in[2:] - box_in[:2]) * 0.125
    crop_box[2:] += (box_in[2:] - box_in[:2]) * 0.125
    u = (torch.tensor(kpt_img * scale, dtype=torch.float32) - crop_box[:2]) \
        / (crop_box[2:] - crop_box[:2])

    def keypoint_head(crops):
        n = crops[0].shape[0]
        logits = torch.full((2, n, J, J + 1), -5.)
        for j in range(J):
            logits[:, :, j, j] = 5.
        return logits, u[None, None].expand(2, n, J, 2).clone()

    head.keypoint_head.forward = keypoint_head
    sample = PoseDataSample(metainfo=dict(
        batch_input_shape=(H, W), img_shape=(H, W), input_size=(W, H),
        input_center=np.array([96., 64.]),
        input_scale=np.array([192., 128.], np.float32)))
    preds = head.predict(_feats(b=1), [sample], dict(score_thr=0.5))
    assert len(preds[0].keypoints) == 1  # one person above the threshold
    out = model.add_pred_to_datasample(preds, None, [sample])[0]
    np.testing.assert_allclose(out.pred_instances.keypoints[0], kpt_img,
                               atol=1e-3)
    np.testing.assert_allclose(out.pred_instances.bboxes[0], box_img,
                               atol=1e-3)
    np.testing.assert_allclose(out.pred_instances.keypoint_scores[0],
                               np.full(J, 1 / (1 + 5 * np.exp(-10.))),
                               rtol=1e-4)


def test_tensor_mode_and_errors():
    head = _head().eval()
    with torch.no_grad():
        scores, boxes, crop, logits, coords = head(_feats())
        kpts, kscores = head.read_out(crop, logits, coords)
    assert scores.shape == (2, 10) and boxes.shape == (2, 10, 4)
    assert crop.shape == (2, 10, 4)
    assert logits.shape == (2, 10, J, J + 1) and coords.shape == (2, 10, J, 2)
    assert kpts.shape == (2, 10, J, 2) and kscores.shape == (2, 10, J)
    assert (scores[:, :-1] >= scores[:, 1:]).all()  # sorted
    with pytest.raises(ValueError, match='flip test'):
        head.predict(_feats(), [], dict(flip_test=True))
    with pytest.raises(ValueError, match='crop level'):
        _head(crop_levels=(0, 1, 2))
    bad = _sample(np.zeros((1, 4)) + [1, 1, 9, 9], np.zeros((1, J, 2)),
                  np.ones((1, J)))
    bad.gt_instances = InstanceData(
        bboxes=np.array([[1., 1., 9., 9.]], np.float32),
        keypoints=np.zeros((1, J + 1, 2), np.float32),
        keypoints_visible=np.ones((1, J + 1), np.float32))
    with pytest.raises(ValueError, match=f'{J} keypoints'):
        head._ground_truth([bad], 'cpu')
