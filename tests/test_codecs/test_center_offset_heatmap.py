"""CenterOffsetHeatmap (LightPose section 2.1): targets against a brute-force
reference, round trips at every stride, weights threshold, invisible and
out-of-crop keypoints, flip consistency, MMPose pipeline integration."""
import math

import numpy as np
import pytest
import torch
from mmpose.codecs import MSRAHeatmap  # noqa: F401  (registry populated)
from mmpose.datasets.transforms import GenerateTarget, PackPoseInputs
from mmpose.registry import KEYPOINT_CODECS

import mmpose_tfx  # noqa: F401
from mmpose_tfx.codecs import (CenterOffsetHeatmap, flip_center_offset,
                               get_offset_heatmap_maximum)

STRIDES = (4, 8, 16, 32)
INPUT = (192, 256)  # (w, h)


pytestmark = pytest.mark.usefixtures('one_thread')


def _random_keypoints(rng, k, input_size=INPUT, margin=0.0):
    w, h = input_size
    x = rng.uniform(-0.5 + margin, w - 0.5 - margin, size=k)
    y = rng.uniform(-0.5 + margin, h - 0.5 - margin, size=k)
    return np.stack([x, y], axis=-1)[None].astype(np.float32)


def _brute_force_targets(kpt, vis, stride, sigma, thr, input_size=INPUT):
    """Per-keypoint, per-cell loops straight from the paper's definitions
    (p in the pixel-corner frame: p = x + 0.5)."""
    w, h = input_size
    W, H = w // stride, h // stride
    K = kpt.shape[1]
    hm = np.zeros((K, H, W))
    off = np.zeros((2 * K, H, W))
    wt = np.zeros((K, H, W))
    for k in range(K):
        if vis[0, k] < 0.5:
            continue
        px, py = (float(kpt[0, k, 0]) + 0.5) / stride, \
            (float(kpt[0, k, 1]) + 0.5) / stride
        cx, cy = math.floor(px), math.floor(py)
        if not (0 <= cx < W and 0 <= cy < H):
            continue
        for y in range(H):
            for x in range(W):
                g = math.exp(-((x - cx)**2 + (y - cy)**2) / (2 * sigma**2))
                hm[k, y, x] = g
                if g > thr:
                    wt[k, y, x] = g
                    off[2 * k, y, x] = px - cx
                    off[2 * k + 1, y, x] = py - cy
    return hm, off, wt


@pytest.mark.parametrize('stride', STRIDES)
def test_targets_match_brute_force(stride):
    rng = np.random.RandomState(stride)
    kpt = _random_keypoints(rng, 6)
    vis = np.array([[1, 1, 0, 1, 1, 1]], dtype=np.float32)
    kpt[0, 4] = (-20., 10.)  # outside the crop: no target, weight 0
    codec = CenterOffsetHeatmap(INPUT, stride=stride)
    assert codec.sigma == pytest.approx(8. / stride)
    enc = codec.encode(kpt, vis)
    hm, off, wt = _brute_force_targets(kpt, vis, stride, codec.sigma, 0.1)
    W, H = INPUT[0] // stride, INPUT[1] // stride
    assert enc['heatmaps'].shape == (6, H, W)
    assert enc['offsets'].shape == (12, H, W)
    assert enc['offset_weights'].shape == (6, H, W)
    np.testing.assert_allclose(enc['heatmaps'], hm, atol=1e-6)
    np.testing.assert_allclose(enc['offsets'], off, atol=1e-6)
    np.testing.assert_allclose(enc['offset_weights'], wt, atol=1e-6)
    np.testing.assert_array_equal(enc['keypoint_weights'],
                                  [[1, 1, 0, 1, 0, 1]])
    # the heatmap peak (value 1) sits on floor(p / R) for visible keypoints
    for k in (0, 1, 3, 5):
        cy, cx = np.unravel_index(enc['heatmaps'][k].argmax(), (H, W))
        assert enc['heatmaps'][k, cy, cx] == pytest.approx(1.0)
        assert cx == math.floor((kpt[0, k, 0] + 0.5) / stride)
        assert cy == math.floor((kpt[0, k, 1] + 0.5) / stride)


@pytest.mark.parametrize('offset_type', ['quantization', 'local'])
@pytest.mark.parametrize('stride', STRIDES)
def test_round_trip_is_sub_pixel_exact(stride, offset_type):
    rng = np.random.RandomState(100 + stride)
    kpt = _random_keypoints(rng, 50)
    codec = CenterOffsetHeatmap(
        INPUT, stride=stride, offset_type=offset_type)
    enc = codec.encode(kpt)
    dec, scores = codec.decode(enc['heatmaps'], enc['offsets'])
    assert dec.shape == (1, 50, 2) and scores.shape == (1, 50)
    np.testing.assert_allclose(dec, kpt, atol=1e-4)  # float32 targets
    np.testing.assert_allclose(scores, 1.0)


@pytest.mark.parametrize('stride', STRIDES)
def test_heatmap_only_decoding_is_the_cell_centre(stride):
    rng = np.random.RandomState(7)
    kpt = _random_keypoints(rng, 50)
    codec = CenterOffsetHeatmap(INPUT, stride=stride, use_offset=False)
    enc = codec.encode(kpt)
    assert set(enc) == {'heatmaps', 'keypoint_weights'}
    assert codec.field_mapping_table == dict(heatmaps='heatmaps')
    dec, _ = codec.decode(enc['heatmaps'])
    cell = np.floor((kpt + 0.5) / stride)
    np.testing.assert_allclose(dec, (cell + 0.5) * stride - 0.5, atol=1e-5)
    err = np.abs(dec - kpt)
    assert err.max() <= stride / 2 + 1e-4
    assert err.mean() > stride / 8  # quantisation error is real


def test_weight_threshold():
    """W = H where H > t else 0: with sigma 0.5 the 4-neighbours have
    exp(-2) = 0.135 (kept at t = 0.1, dropped at t = 0.2), the diagonal
    neighbours exp(-4) = 0.018 (dropped)."""
    kpt = np.array([[[87.3, 120.9]]], dtype=np.float32)  # cell (5, 7)
    for thr, expected in ((0.1, 5), (0.2, 1), (0.01, 9)):
        codec = CenterOffsetHeatmap(INPUT, stride=16, sigma=0.5,
                                    threshold=thr)
        enc = codec.encode(kpt)
        w = enc['offset_weights'][0]
        assert (w > 0).sum() == expected
        assert w[7, 5] == pytest.approx(1.0)
        assert (w[w > 0] > thr).all()
        hm = enc['heatmaps'][0]
        np.testing.assert_array_equal(w, np.where(hm > thr, hm, 0))
        if thr == 0.1:
            assert w[7, 4] == pytest.approx(math.exp(-2), rel=1e-6)
            assert w[6, 4] == 0
        # offsets are written exactly where the weight is non-zero
        np.testing.assert_array_equal(enc['offsets'][:2] != 0,
                                      np.stack([w > 0, w > 0]))


def test_invisible_and_out_of_crop_keypoints():
    codec = CenterOffsetHeatmap(INPUT, stride=16)
    kpt = np.array([[[50., 60.], [0., 0.], [np.nan, np.nan], [191.4, 255.4],
                     [191.6, 100.], [-0.6, 100.]]], dtype=np.float32)
    vis = np.array([[1, 0, 0, 1, 1, 1]], dtype=np.float32)
    enc = codec.encode(kpt, vis)
    # invisible (even NaN) -> no target; x = 191.6 and -0.6 fall outside
    # [-0.5, w - 0.5), the last pixel 191.4 / 255.4 is the last cell
    np.testing.assert_array_equal(enc['keypoint_weights'],
                                  [[1, 0, 0, 1, 0, 0]])
    for k in (1, 2, 4, 5):
        assert not enc['heatmaps'][k].any()
        assert not enc['offset_weights'][k].any()
        assert not enc['offsets'][2 * k:2 * k + 2].any()
    assert enc['heatmaps'][3, 15, 11] == pytest.approx(1.0)
    assert np.isfinite(enc['offsets']).all()
    with pytest.raises(ValueError, match='non-finite'):
        codec.encode(kpt, np.ones((1, 6), dtype=np.float32))


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match='multiple of the stride'):
        CenterOffsetHeatmap((190, 256), stride=16)
    with pytest.raises(ValueError, match='stride'):
        CenterOffsetHeatmap(INPUT, stride=0)
    with pytest.raises(ValueError, match='offset_type'):
        CenterOffsetHeatmap(INPUT, offset_type='exact')
    with pytest.raises(ValueError, match='threshold'):
        CenterOffsetHeatmap(INPUT, threshold=1.5)
    codec = CenterOffsetHeatmap(INPUT, stride=16)
    with pytest.raises(ValueError, match='single instance'):
        codec.encode(np.zeros((2, 17, 2)))
    with pytest.raises(ValueError, match=r'offsets must be \(B, 2K, H, W\)'):
        codec.decode(np.zeros((17, 16, 12)), np.zeros((17, 16, 12)))
    with pytest.raises(ValueError, match=r'heatmaps must be \(K, H, W\)'):
        codec.decode(np.zeros((16, 12)))


def test_batch_decode_matches_brute_force_argmax():
    rng = np.random.RandomState(3)
    codec = CenterOffsetHeatmap(INPUT, stride=16)
    hm = rng.rand(3, 5, 16, 12).astype(np.float32)
    hm[1, 2] = -1  # no positive response -> -1, as MMPose's decoders
    off = rng.uniform(-0.2, 1.2, size=(3, 10, 16, 12)).astype(np.float32)
    kpts, scores = codec.batch_decode(torch.from_numpy(hm),
                                      torch.from_numpy(off))
    for b in range(3):
        single = codec.decode(hm[b], off[b])
        np.testing.assert_allclose(kpts[b], single[0])
        for k in range(5):
            y, x = np.unravel_index(hm[b, k].argmax(), (16, 12))
            ref = ((x + off[b, 2 * k, y, x]) * 16 - 0.5,
                   (y + off[b, 2 * k + 1, y, x]) * 16 - 0.5)
            if b == 1 and k == 2:
                ref = (-1, -1)
            np.testing.assert_allclose(kpts[b][0, k], ref, atol=1e-4)
            assert scores[b][0, k] == pytest.approx(hm[b, k].max())


def _flip_keypoints(kpt, vis, flip_indices, width):
    """Keypoints of the horizontally flipped input (MMPose: x -> w - 1 - x,
    left/right swapped)."""
    f = kpt.copy()
    f[..., 0] = width - 1 - f[..., 0]
    return f[:, flip_indices], vis[:, flip_indices]


@pytest.mark.parametrize('offset_type', ['quantization', 'local'])
@pytest.mark.parametrize('stride', STRIDES)
def test_flipped_targets_combine_exactly(stride, offset_type):
    """Encode an asymmetric pose and its mirror image; bringing the mirror's
    heatmaps and offsets back with flip_center_offset gives the original
    targets exactly, and decoding them equals the brute-force reference
    (decode in the flipped frame, then x -> w - 1 - x and swap)."""
    rng = np.random.RandomState(11 + stride)
    flip_indices = [1, 0, 3, 2, 4, 6, 5]
    kpt = _random_keypoints(rng, 7, margin=1.0)
    kpt[0, 4, 0] += 0.37  # make sure nothing is accidentally symmetric
    vis = np.array([[1, 1, 1, 0, 1, 1, 1]], dtype=np.float32)
    codec = CenterOffsetHeatmap(INPUT, stride=stride, offset_type=offset_type)
    enc = codec.encode(kpt, vis)
    fkpt, fvis = _flip_keypoints(kpt, vis, flip_indices, INPUT[0])
    fenc = codec.encode(fkpt, fvis)

    hm, off = flip_center_offset(
        torch.from_numpy(fenc['heatmaps'])[None],
        torch.from_numpy(fenc['offsets'])[None], flip_indices)
    w = torch.from_numpy(enc['offset_weights'])[None]
    torch.testing.assert_close(hm, torch.from_numpy(enc['heatmaps'])[None])
    mask = torch.repeat_interleave(w > 0, 2, dim=1)
    torch.testing.assert_close(off[mask],
                               torch.from_numpy(enc['offsets'])[None][mask],
                               atol=2e-5, rtol=0)  # float32 x -> w-1-x

    # decoded combination == brute-force mirrored decoding
    comb, _ = codec.batch_decode((hm + hm) / 2, off)
    fdec, _ = codec.decode(fenc['heatmaps'], fenc['offsets'])
    ref = fdec.copy()
    ref[..., 0] = INPUT[0] - 1 - ref[..., 0]
    ref = ref[:, flip_indices]
    visible = vis[0] > 0
    np.testing.assert_allclose(comb[0][0, visible], ref[0, visible],
                               atol=1e-4)
    np.testing.assert_allclose(comb[0][0, visible], kpt[0, visible],
                               atol=1e-4)

    # the sign and the one-cell shift both matter: mirroring the x-offset
    # without "1 -" (or not mirroring it) misplaces keypoints
    naive = torch.from_numpy(fenc['offsets'])[None].reshape(1, 7, 2, *hm.
                                                            shape[-2:])
    naive = naive.flip(-1)[:, flip_indices].reshape(off.shape)
    bad, _ = codec.batch_decode(hm, naive)
    assert np.abs(bad[0][0, visible] - kpt[0, visible]).max() > 0.1 * stride


def test_flip_transform_is_an_involution():
    rng = np.random.RandomState(0)
    hm = torch.from_numpy(rng.rand(2, 5, 8, 6).astype(np.float32))
    off = torch.from_numpy(rng.rand(2, 10, 8, 6).astype(np.float32))
    flip_indices = [0, 2, 1, 4, 3]
    h2, o2 = flip_center_offset(*flip_center_offset(hm, off, flip_indices),
                                flip_indices)
    torch.testing.assert_close(h2, hm)
    torch.testing.assert_close(o2, off)
    with pytest.raises(ValueError, match='flip_indices'):
        flip_center_offset(hm, off, [0, 1])


def test_get_offset_heatmap_maximum_units():
    hm = torch.zeros(1, 1, 4, 3)
    hm[0, 0, 2, 1] = 0.8
    off = torch.zeros(1, 2, 4, 3)
    off[0, :, 2, 1] = torch.tensor([0.25, 0.75])
    coords, scores = get_offset_heatmap_maximum(hm, off)
    torch.testing.assert_close(coords, torch.tensor([[[1.25, 2.75]]]))
    torch.testing.assert_close(scores, torch.tensor([[0.8]]))
    coords, _ = get_offset_heatmap_maximum(hm)
    torch.testing.assert_close(coords, torch.tensor([[[1.5, 2.5]]]))


@pytest.mark.parametrize('use_offset', [True, False])
def test_generate_target_and_pack_pose_inputs(use_offset):
    cfg = dict(type='CenterOffsetHeatmap', input_size=INPUT, stride=16,
               use_offset=use_offset)
    codec = KEYPOINT_CODECS.build(cfg)
    rng = np.random.RandomState(5)
    kpt = _random_keypoints(rng, 17)
    results = dict(
        img=np.zeros((256, 192, 3), dtype=np.uint8),
        img_shape=(256, 192),
        transformed_keypoints=kpt,
        keypoints=kpt,
        keypoints_visible=np.ones((1, 17), dtype=np.float32),
        bbox=np.array([[0, 0, 192, 256]], dtype=np.float32),
        id=0,
        img_id=0,
        img_path='x.jpg',
        input_size=INPUT,
        flip_indices=list(range(17)))
    results = GenerateTarget(encoder=cfg)(results)
    packed = PackPoseInputs()(results)
    sample = packed['data_samples']
    fields = sample.gt_fields
    expected = {'heatmaps', 'offsets', 'offset_weights'} if use_offset \
        else {'heatmaps'}
    assert set(fields.keys()) == expected
    assert fields.heatmaps.shape == (17, 16, 12)
    assert isinstance(fields.heatmaps, torch.Tensor)
    assert sample.gt_instance_labels.keypoint_weights.shape == (1, 17)
    if use_offset:
        assert fields.offsets.shape == (34, 16, 12)
        dec, _ = codec.decode(fields.heatmaps.numpy(),
                              fields.offsets.numpy())
        np.testing.assert_allclose(dec, kpt, atol=1e-4)
