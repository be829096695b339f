"""OffsetHeatmapHead and OffsetWeightedL1Loss (LightPose eqs. 1-4): shapes,
loss values against a brute-force reference, loss decreasing on a fixed
batch, flip test, acc_pose, clear errors."""
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

import mmpose_tfx  # noqa: F401
from mmpose_tfx.codecs import CenterOffsetHeatmap

INPUT = (96, 128)  # (w, h)
STRIDE = 16
K = 5
FLIP = [0, 2, 1, 4, 3]


pytestmark = pytest.mark.usefixtures('one_thread')


def _codec_cfg(use_offset=True):
    return dict(type='CenterOffsetHeatmap', input_size=INPUT, stride=STRIDE,
                use_offset=use_offset)


def _head(with_offset=True, in_channels=16, **kwargs):
    head = MODELS.build(
        dict(type='OffsetHeatmapHead', in_channels=in_channels,
             out_channels=K, with_offset=with_offset,
             decoder=_codec_cfg(with_offset), **kwargs))
    head.init_weights()
    return head


def _samples(batch_size, use_offset=True, seed=0):
    """Data samples with targets encoded by the codec from random poses."""
    rng = np.random.RandomState(seed)
    codec = CenterOffsetHeatmap(INPUT, stride=STRIDE, use_offset=use_offset)
    samples, kpts = [], []
    for _ in range(batch_size):
        kpt = np.stack([rng.uniform(0, INPUT[0] - 1, K),
                        rng.uniform(0, INPUT[1] - 1, K)], -1)[None]
        vis = np.ones((1, K), dtype=np.float32)
        vis[0, -1] = 0
        enc = codec.encode(kpt.astype(np.float32), vis)
        s = PoseDataSample(metainfo=dict(flip_indices=FLIP, input_size=INPUT))
        fields = {k: torch.from_numpy(v) for k, v in enc.items()
                  if k != 'keypoint_weights'}
        s.gt_fields = PixelData(**fields)
        s.gt_instance_labels = InstanceData(
            keypoint_weights=torch.from_numpy(enc['keypoint_weights']))
        samples.append(s)
        kpts.append(kpt)
    return samples, np.concatenate(kpts)


def test_forward_shapes():
    head = _head()
    x = torch.randn(2, 16, 8, 6)
    hm, off = head((x, ))
    assert hm.shape == (2, K, 8, 6) and off.shape == (2, 2 * K, 8, 6)
    only = _head(with_offset=False)
    out = only((x, ))
    assert isinstance(out, torch.Tensor) and out.shape == (2, K, 8, 6)
    assert only.offset_layer is None
    # two 1x1 convolutions, nothing else
    n = sum(p.numel() for p in head.parameters())
    assert n == 16 * K + K + 16 * 2 * K + 2 * K


def test_loss_matches_brute_force_equations():
    torch.manual_seed(0)
    samples, _ = _samples(3)
    head = _head(offset_loss=dict(type='OffsetWeightedL1Loss',
                                  loss_weight=0.7))
    feats = (torch.randn(3, 16, 8, 6), )
    with torch.no_grad():
        hm, off = head(feats)
        losses = head.loss(feats, samples, train_cfg=dict(compute_acc=False))
    gt_hm = torch.stack([s.gt_fields.heatmaps for s in samples]).double()
    gt_off = torch.stack([s.gt_fields.offsets for s in samples]).double()
    w_off = torch.stack([s.gt_fields.offset_weights for s in samples]).double()
    kw = torch.cat([s.gt_instance_labels.keypoint_weights for s in samples])
    hm, off = hm.double(), off.double()
    l_hm = l_off = 0.
    B, _, H, W = hm.shape
    for b in range(B):
        for k in range(K):
            # eq. 1 per keypoint (squared L2 norm over the map), eq. 3 per
            # keypoint (weighted L1 distance of the 2-vector offsets)
            l_hm += kw[b, k] * ((gt_hm[b, k] - hm[b, k])**2).sum()
            for y in range(H):
                for x in range(W):
                    d = abs(gt_off[b, 2 * k, y, x] - off[b, 2 * k, y, x]) + \
                        abs(gt_off[b, 2 * k + 1, y, x] -
                            off[b, 2 * k + 1, y, x])
                    l_off += kw[b, k] * w_off[b, k, y, x] * d
    # both normalised by B * K * H * W (eq. / (H * W), batch mean)
    norm = B * K * H * W
    assert losses['loss_kpt'].item() == pytest.approx(float(l_hm) / norm,
                                                      rel=1e-5)
    assert losses['loss_offset'].item() == pytest.approx(
        0.7 * float(l_off) / norm, rel=1e-5)
    assert 'acc_pose' not in losses


def test_invisible_keypoints_do_not_contribute():
    samples, _ = _samples(2)
    head = _head()
    feats = (torch.randn(2, 16, 8, 6, requires_grad=True), )
    losses = head.loss(feats, samples)
    (losses['loss_kpt'] + losses['loss_offset']).backward()
    # keypoint K-1 is invisible: its output channels receive no gradient
    assert head.heatmap_layer.weight.grad[K - 1].abs().max() == 0
    assert head.offset_layer.weight.grad[2 * K - 2:].abs().max() == 0
    assert head.heatmap_layer.weight.grad[0].abs().max() > 0


@pytest.mark.parametrize('with_offset', [True, False])
def test_loss_decreases_on_a_fixed_batch(with_offset):
    torch.manual_seed(0)
    samples, _ = _samples(4, use_offset=with_offset)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 32, 3, padding=1), torch.nn.ReLU(),
        torch.nn.Conv2d(32, 32, 3, padding=1), torch.nn.ReLU())
    head = _head(with_offset, in_channels=32)
    x = torch.randn(4, 3, 8, 6)
    params = list(net.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=3e-3)

    def total():
        losses = head.loss((net(x), ), samples)
        loss = sum(v for k, v in losses.items() if k.startswith('loss'))
        return loss, {k: v.item() for k, v in losses.items()}
    first, first_losses = total()
    for _ in range(100):
        loss, _ = total()
        opt.zero_grad()
        loss.backward()
        opt.step()
    last, last_losses = total()
    assert last.item() < 0.3 * first.item()
    assert last_losses['loss_kpt'] < first_losses['loss_kpt']
    if with_offset:
        assert last_losses['loss_offset'] < 0.3 * first_losses['loss_offset']
    assert last_losses['acc_pose'] > first_losses['acc_pose']


def test_acc_pose_is_one_for_perfect_predictions():
    samples, _ = _samples(3)
    head = _head()
    gt_hm = torch.stack([s.gt_fields.heatmaps for s in samples])
    gt_off = torch.stack([s.gt_fields.offsets for s in samples])
    head.forward = lambda feats: (gt_hm, gt_off)
    losses = head.loss(None, samples)
    assert float(losses['acc_pose']) == 1.0
    assert float(losses['loss_kpt']) == 0 and float(
        losses['loss_offset']) == 0
    # a prediction off by one cell in x everywhere fails PCK@0.05
    head.forward = lambda feats: (gt_hm.roll(1, dims=-1), gt_off.roll(
        1, dims=-1))
    assert float(head.loss(None, samples)['acc_pose']) < 0.5


def test_predict_decodes_targets_to_keypoints():
    samples, kpts = _samples(2)
    head = _head()
    gt_hm = torch.stack([s.gt_fields.heatmaps for s in samples])
    gt_off = torch.stack([s.gt_fields.offsets for s in samples])
    head.forward = lambda feats: (gt_hm, gt_off)
    preds, fields = head.predict(None, samples,
                                 dict(flip_test=False, output_heatmaps=True))
    for b in range(2):
        np.testing.assert_allclose(preds[b].keypoints[0, :K - 1],
                                   kpts[b, :K - 1], atol=1e-4)
        assert fields[b].heatmaps.shape == (K, 8, 6)
        assert fields[b].offsets.shape == (2 * K, 8, 6)


@pytest.mark.parametrize('with_offset', [True, False])
def test_flip_test_is_mirror_symmetric(with_offset):
    """Flip test on (x, mirror(x)) and on (mirror(x), x) gives mirrored,
    left/right swapped keypoints: x -> w - 1 - x, exactly."""
    torch.manual_seed(0)
    head = _head(with_offset).eval()
    samples, _ = _samples(2, use_offset=with_offset)
    a = torch.randn(2, 16, 8, 6)
    b = torch.randn(2, 16, 8, 6)  # features of the mirrored input
    cfg = dict(flip_test=True)
    with torch.no_grad():
        p = head.predict([(a, ), (b, )], samples, cfg)
        q = head.predict([(b, ), (a, )], samples, cfg)
    for pi, qi in zip(p, q):
        mirrored = pi.keypoints.copy()
        mirrored[..., 0] = INPUT[0] - 1 - mirrored[..., 0]
        np.testing.assert_allclose(qi.keypoints, mirrored[:, FLIP],
                                   atol=1e-4)
        np.testing.assert_allclose(qi.keypoint_scores,
                                   pi.keypoint_scores[:, FLIP], atol=1e-6)


def test_clear_errors():
    with pytest.raises(ValueError, match='use_offset'):
        MODELS.build(dict(type='OffsetHeatmapHead', in_channels=8,
                          out_channels=K, with_offset=True,
                          decoder=_codec_cfg(False)))
    head = _head()
    with pytest.raises(ValueError, match=r'expects a \(B, 16, H, W\)'):
        head((torch.randn(1, 8, 8, 6), ))
    samples, _ = _samples(2, use_offset=False)
    with pytest.raises(ValueError, match='offsets'):
        head.loss((torch.randn(2, 16, 8, 6), ), samples)
    samples, _ = _samples(2)
    with pytest.raises(ValueError, match='codec stride'):
        head.loss((torch.randn(2, 16, 4, 3), ), samples)
    loss = MODELS.build(dict(type='OffsetWeightedL1Loss'))
    with pytest.raises(ValueError, match='weights must be'):
        loss(torch.zeros(1, 4, 3, 3), torch.zeros(1, 4, 3, 3),
             torch.zeros(1, 4, 3, 3))
    with pytest.raises(ValueError, match='2K channels'):
        loss(torch.zeros(1, 3, 3, 3), torch.zeros(1, 3, 3, 3),
             torch.zeros(1, 1, 3, 3))
