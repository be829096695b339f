"""RegressionAuxHeatmapLabel: exactly CoordinateRegressionLabel's labels and
MMPose's UDPHeatmap targets in one codec, decode round trip, flip
consistency, non-finite keypoints, and packing through MMPose's
GenerateTarget / PackPoseInputs (keypoint_weights not stacked)."""
import numpy as np
import pytest
from mmpose.codecs import UDPHeatmap
from mmpose.datasets.transforms import GenerateTarget, PackPoseInputs

import mmpose_tfx  # noqa: F401
from mmpose_tfx.codecs import (CoordinateRegressionLabel,
                               RegressionAuxHeatmapLabel,
                               flip_normalized_coordinates)

W, H = 48, 64
FLIP = [0, 2, 1, 4, 3]


def _codec():
    return RegressionAuxHeatmapLabel(
        input_size=(W, H), heatmap_size=(12, 16), sigma=2.)


def _kpts():
    rng = np.random.default_rng(0)
    k = rng.uniform([0, 0], [W - 1, H - 1], size=(1, 5, 2)).astype(
        np.float32)
    vis = np.array([[1, 1, 0, 1, 1]], np.float32)
    return k, vis


def test_encode_is_both_codecs():
    k, vis = _kpts()
    enc = _codec().encode(k, vis)
    reg = CoordinateRegressionLabel(input_size=(W, H)).encode(k, vis)
    udp = UDPHeatmap(input_size=(W, H), heatmap_size=(12, 16),
                     sigma=2.).encode(k, vis)
    np.testing.assert_array_equal(enc['keypoint_labels'],
                                  reg['keypoint_labels'])
    np.testing.assert_array_equal(enc['keypoint_weights'],
                                  reg['keypoint_weights'])
    np.testing.assert_array_equal(enc['heatmaps'], udp['heatmaps'])
    np.testing.assert_array_equal(enc['heatmap_keypoint_weights'],
                                  udp['keypoint_weights'])
    assert enc['heatmaps'].shape == (5, 16, 12)
    np.testing.assert_allclose(enc['keypoint_labels'][0], k[0] / [W, H])
    assert enc['keypoint_weights'].tolist() == [[1, 1, 0, 1, 1]]
    # the unlabelled keypoint has an empty channel
    assert enc['heatmaps'][2].max() == 0


def test_decode_round_trip_and_scores_pass_through():
    codec = _codec()
    k, vis = _kpts()
    enc = codec.encode(k, vis)
    scores = np.linspace(0.1, 0.9, 5)[None].astype(np.float32)
    dec, sc = codec.decode(enc['keypoint_labels'], scores)
    np.testing.assert_allclose(dec, k, atol=1e-4)
    np.testing.assert_array_equal(sc, scores)


def test_flip_consistency():
    """Encoding the mirrored keypoints (pixel flip x -> W - 1 - x, left /
    right swapped) gives the flipped labels and the mirrored heatmaps."""
    codec = _codec()
    k, vis = _kpts()
    mk = k[:, FLIP].copy()
    mk[..., 0] = W - 1 - mk[..., 0]
    a = codec.encode(k, vis)
    b = codec.encode(mk, vis[:, FLIP])
    np.testing.assert_allclose(
        b['keypoint_labels'],
        flip_normalized_coordinates(a['keypoint_labels'], FLIP, W),
        atol=1e-6)
    np.testing.assert_array_equal(b['keypoint_weights'],
                                  a['keypoint_weights'][:, FLIP])
    # UDP maps input pixels to heatmap pixels with (W-1)/(w-1): exact mirror
    np.testing.assert_allclose(b['heatmaps'], a['heatmaps'][FLIP][..., ::-1],
                               atol=1e-6)


def test_non_finite_and_outside_keypoints():
    codec = _codec()
    k, vis = _kpts()
    k[0, 1] = np.nan
    k[0, 3] = [-60., 10.]  # far outside the crop
    enc = codec.encode(k, np.ones((1, 5), np.float32))
    assert np.isfinite(enc['keypoint_labels']).all()
    assert enc['keypoint_weights'][0, 1] == 0
    assert enc['heatmap_keypoint_weights'][0, 1] == 0
    assert enc['heatmaps'][1].max() == 0
    assert enc['keypoint_weights'][0, 3] == 0
    assert enc['heatmap_keypoint_weights'][0, 3] == 0
    assert np.isfinite(enc['heatmaps']).all()


def test_packing_keeps_top_down_shapes():
    k, vis = _kpts()
    codec_cfg = dict(type='RegressionAuxHeatmapLabel', input_size=(W, H),
                     heatmap_size=(12, 16), sigma=2.)
    results = dict(
        keypoints=k, keypoints_visible=vis, img=np.zeros((H, W, 3),
                                                         np.uint8),
        img_shape=(H, W), input_size=(W, H), bbox=np.array([[0, 0, W, H]],
                                                           np.float32))
    results = GenerateTarget(encoder=codec_cfg)(results)
    packed = PackPoseInputs()(results)
    sample = packed['data_samples']
    labels = sample.gt_instance_labels
    assert tuple(labels.keypoint_labels.shape) == (1, 5, 2)
    assert tuple(labels.keypoint_weights.shape) == (1, 5)
    assert tuple(labels.heatmap_keypoint_weights.shape) == (1, 5)
    assert tuple(sample.gt_fields.heatmaps.shape) == (5, 16, 12)


def test_bad_sizes():
    with pytest.raises(ValueError, match='heatmap_size'):
        RegressionAuxHeatmapLabel(input_size=(W, H), heatmap_size=(1, 16))
    with pytest.raises(ValueError, match='3 \\* sigma'):
        RegressionAuxHeatmapLabel(input_size=(W, H), heatmap_size=(12, 16),
                                  sigma=1.5)
