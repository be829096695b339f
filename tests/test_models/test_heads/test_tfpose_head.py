"""TFPoseHead: every decoder layer supervised with the visibility-weighted
L1 (hand computation), the auxiliary heatmap loss (lambda x MSE) computed in
training only, finite losses with all keypoints invisible or outside the
crop, the keypoint score formula, a head that learns, clear errors."""
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.structures import PoseDataSample

import mmpose_tfx  # noqa: F401
from mmpose_tfx.codecs import RegressionAuxHeatmapLabel
from mmpose_tfx.models.heads import TFPoseHead

pytestmark = pytest.mark.usefixtures('one_thread')

K, C, W, H = 5, 32, 64, 64
FLIP = [0, 2, 1, 4, 3]
SHAPES = [(8, 8), (4, 4), (2, 2)]  # C3-C5 of a 64x64 crop


def _head(aux=True, num_layers=3):
    torch.manual_seed(0)
    head = TFPoseHead(
        num_keypoints=K,
        query_decoder=dict(
            type='KeypointQueryDecoder', embed_dims=C, num_layers=num_layers,
            num_levels=3, num_heads=4, num_points=2, feedforward_channels=64,
            dropout=0.),
        aux_head=dict(
            type='HeatmapHead', in_channels=C,
            deconv_out_channels=(16, 16, 16),
            deconv_kernel_sizes=(4, 4, 4),
            loss=dict(type='KeypointMSELoss', use_target_weight=True,
                      loss_weight=50.)) if aux else None,
        decoder=dict(type='RegressionAuxHeatmapLabel', input_size=(W, H),
                     heatmap_size=(W // 4, H // 4), sigma=1.))
    head.init_weights()
    return head


def _feats(b=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(b, C, h, w, generator=g) for h, w in SHAPES)


def _samples(kpts, vis):
    """Data samples encoded by the real codec from input-crop keypoints."""
    codec = RegressionAuxHeatmapLabel(input_size=(W, H),
                                      heatmap_size=(W // 4, H // 4),
                                      sigma=1.)
    samples = []
    for k, v in zip(kpts, vis):
        enc = codec.encode(k[None], v[None])
        s = PoseDataSample()
        s.gt_instance_labels = InstanceData(
            keypoint_labels=torch.from_numpy(enc['keypoint_labels']),
            keypoint_weights=torch.from_numpy(enc['keypoint_weights']),
            heatmap_keypoint_weights=torch.from_numpy(
                enc['heatmap_keypoint_weights']))
        s.gt_fields = PixelData(heatmaps=torch.from_numpy(enc['heatmaps']))
        s.set_metainfo(dict(input_size=(W, H), flip_indices=FLIP))
        samples.append(s)
    return samples


def _random_pose(b=2, seed=0):
    rng = np.random.default_rng(seed)
    kpts = rng.uniform([4, 4], [W - 5, H - 5], size=(b, K, 2)).astype(
        np.float32)
    vis = (rng.uniform(size=(b, K)) > 0.3).astype(np.float32)
    vis[:, 0] = 1
    return kpts, vis


def test_every_layer_supervised_with_weighted_l1_by_hand():
    head = _head()
    feats = _feats()
    kpts, vis = _random_pose()
    samples = _samples(kpts, vis)
    losses = head.loss(feats, samples)
    assert set(losses) == {'loss_kpt', 'd0.loss_kpt', 'd1.loss_kpt',
                           'loss_aux_heatmap', 'acc_pose'}
    with torch.no_grad():
        coords = head.forward(feats)  # (3, B, K, 2)
    gt = torch.from_numpy(kpts / [W, H]).float()
    w = torch.from_numpy(vis)[..., None]
    for d, name in enumerate(['d0.loss_kpt', 'd1.loss_kpt', 'loss_kpt']):
        # MMPose L1Loss with target weights: mean |w*p - w*g| over B*K*2
        expected = (w * coords[d] - w * gt).abs().mean()
        torch.testing.assert_close(losses[name], expected)


def test_aux_loss_is_lambda_times_weighted_mse():
    head = _head()
    feats = _feats()
    kpts, vis = _random_pose()
    samples = _samples(kpts, vis)
    losses = head.loss(feats, samples)
    with torch.no_grad():
        pred = head.forward_aux(feats)
    assert pred.shape == (2, K, H // 4, W // 4)
    gt = torch.stack([s.gt_fields.heatmaps for s in samples])
    wts = torch.cat([s.gt_instance_labels.heatmap_keypoint_weights
                     for s in samples])
    expected = 50. * (((pred - gt)**2) * wts[..., None, None]).mean()
    torch.testing.assert_close(losses['loss_aux_heatmap'], expected)


def _count_calls(module):
    calls = []
    handle = module.register_forward_hook(lambda m, a, o: calls.append(1))
    return calls, handle


def test_aux_branch_only_in_training():
    head = _head().eval()
    feats = _feats()
    kpts, vis = _random_pose()
    samples = _samples(kpts, vis)
    for s in samples:
        s.set_metainfo(dict(input_center=np.array([W / 2, H / 2]),
                            input_scale=np.array([W, H], np.float32)))
    calls, handle = _count_calls(head.aux_head)
    with torch.no_grad():
        head.forward(feats)
        head.predict(feats, samples, dict(flip_test=False))
        head.predict([feats, _feats(seed=1)], samples, dict(flip_test=True))
    assert calls == []
    head.train()
    head.loss(feats, samples)
    assert calls == [1]
    handle.remove()
    assert _head(aux=False).aux_head is None
    assert 'loss_aux_heatmap' not in _head(aux=False).loss(feats, samples)


def test_losses_finite_when_nothing_is_labelled():
    head = _head()
    feats = _feats()
    kpts, _ = _random_pose()
    samples = _samples(kpts, np.zeros((2, K), np.float32))  # all invisible
    losses = head.loss(feats, samples)
    assert all(torch.isfinite(v) for v in losses.values())
    assert losses['loss_kpt'] == 0 and losses['loss_aux_heatmap'] == 0
    # labelled but far outside the crop (after a strong augmentation)
    outside = np.full((2, K, 2), -500., np.float32)
    samples = _samples(outside, np.ones((2, K), np.float32))
    losses = head.loss(feats, samples)
    assert all(torch.isfinite(v) for v in losses.values())
    sum(v for n, v in losses.items() if 'loss' in n).backward()
    assert all(torch.isfinite(p.grad).all() for p in head.parameters()
               if p.grad is not None)


def test_keypoint_score_formula():
    a = torch.tensor([[[0.5, 0.5], [0.2, 0.3]]])
    b = torch.tensor([[[0.5, 0.5], [0.2 + 3. / W, 0.3 + 4. / H]]])
    s = TFPoseHead.keypoint_scores(a, b, (W, H), kappa=0.1)
    # 5 input pixels apart, kernel width 0.1 * sqrt(48 * 64)
    expected = np.exp(-25. / (2 * (0.1 * np.sqrt(W * H))**2))
    np.testing.assert_allclose(s.numpy(), [[1., expected]], rtol=1e-6)


def test_predict_scores_and_constant_mode():
    head = _head().eval()
    feats = _feats(b=1)
    samples = _samples(*_random_pose(b=1))
    samples[0].set_metainfo(dict(input_center=np.array([W / 2, H / 2]),
                                 input_scale=np.array([W, H], np.float32)))
    with torch.no_grad():
        (pred, ) = head.predict([feats, _feats(b=1, seed=3)], samples,
                                dict(flip_test=True))
        (const, ) = head.predict(feats, samples,
                                 dict(flip_test=False, score_mode='constant'))
    assert pred.keypoints.shape == (1, K, 2)
    assert ((pred.keypoint_scores > 0) & (pred.keypoint_scores <= 1)).all()
    np.testing.assert_array_equal(const.keypoint_scores, np.ones((1, K)))
    with pytest.raises(ValueError, match='score_mode'):
        head.predict(feats, samples, dict(score_mode='oks'))


def test_head_learns_a_fixed_batch():
    head = _head(aux=True).train()
    feats = _feats()
    samples = _samples(*_random_pose())
    opt = torch.optim.AdamW(head.parameters(), lr=2e-3)
    first = None
    for _ in range(60):
        losses = head.loss(feats, samples)
        total = sum(v for n, v in losses.items() if 'loss' in n)
        first = first if first is not None else total.item()
        opt.zero_grad()
        total.backward()
        opt.step()
    assert total.item() < 0.5 * first


def test_keypoint_count_mismatch_is_named():
    head = _head()
    kpts = np.zeros((2, K - 1, 2), np.float32)
    codec = RegressionAuxHeatmapLabel(input_size=(W, H),
                                      heatmap_size=(W // 4, H // 4))
    samples = []
    for k in kpts:
        enc = codec.encode(k[None] + 5)
        s = PoseDataSample()
        s.gt_instance_labels = InstanceData(
            keypoint_labels=torch.from_numpy(enc['keypoint_labels']),
            keypoint_weights=torch.from_numpy(enc['keypoint_weights']))
        samples.append(s)
    with pytest.raises(ValueError, match=f'{K} keypoints'):
        head.loss(_feats(), samples)
