"""CoordinateRegressionLabel: normalisation by the input size, weights from
visibility, finite labels, scores passed through, exact flip helpers."""
import numpy as np
import pytest
import torch
from mmpose.codecs import RegressionLabel
from mmpose.registry import KEYPOINT_CODECS

import mmpose_tfx  # noqa: F401
from mmpose_tfx.codecs import (CoordinateRegressionLabel,
                               flip_normalized_coordinates)

W, H = 96, 128


def test_registered():
    codec = KEYPOINT_CODECS.build(
        dict(type='CoordinateRegressionLabel', input_size=(W, H)))
    assert isinstance(codec, CoordinateRegressionLabel)
    assert isinstance(codec, RegressionLabel)


def test_encode_values_and_weights():
    codec = CoordinateRegressionLabel((W, H))
    kpts = np.array([[[0., 0.], [48., 64.], [95., 127.], [96., 10.],
                      [-1., 10.], [10., 20.], [np.nan, 3.], [np.inf, 1.]]])
    vis = np.array([[1, 1, 1, 1, 1, 0, 1, 1]], np.float32)
    enc = codec.encode(kpts, vis)
    labels, weights = enc['keypoint_labels'], enc['keypoint_weights']
    assert labels.shape == (1, 8, 2) and labels.dtype == np.float32
    assert weights.shape == (1, 8) and weights.dtype == np.float32
    np.testing.assert_allclose(labels[0, :6], kpts[0, :6] / [W, H],
                               rtol=1e-6)
    # labelled and inside the crop -> 1; outside / unlabelled / non-finite 0
    np.testing.assert_array_equal(weights[0], [1, 1, 1, 0, 0, 0, 0, 0])
    # labelled keypoints inside the crop lie in [0, 1]
    inside = labels[weights > 0]
    assert (inside >= 0).all() and (inside <= 1).all()
    # non-finite keypoints get a finite label (RegressionLabel keeps NaN)
    assert np.isfinite(labels).all()
    np.testing.assert_array_equal(labels[0, 6:], 0.)
    assert np.isnan(RegressionLabel((W, H)).encode(kpts, vis)
                    ['keypoint_labels'][0, 6]).any()


@pytest.mark.parametrize('outside', [False, True])
@pytest.mark.parametrize('zero', [False, True])
def test_encode_reference_switches(outside, zero):
    """weight_outside_crop keeps weight 1 for labelled keypoints outside the
    crop (their labels leave [0, 1]); zero_unlabelled labels unlabelled
    keypoints (0, 0). Both are the PRTR reference's targets."""
    codec = CoordinateRegressionLabel((W, H), weight_outside_crop=outside,
                                      zero_unlabelled=zero)
    default = CoordinateRegressionLabel((W, H))
    assert not default.weight_outside_crop and not default.zero_unlabelled
    kpts = np.array([[[48., 64.], [96., 10.], [-24., 200.], [10., 20.],
                      [np.nan, 3.]]])
    vis = np.array([[1, 1, 2, 0, 1]], np.float32)
    enc = codec.encode(kpts, vis)
    labels, weights = enc['keypoint_labels'][0], enc['keypoint_weights'][0]
    expected_w = [1, 1, 1, 0, 0] if outside else [1, 0, 0, 0, 0]
    np.testing.assert_array_equal(weights, expected_w)
    np.testing.assert_allclose(labels[:3], [[0.5, 0.5], [1., 10 / H],
                                            [-0.25, 200 / H]], rtol=1e-6)
    np.testing.assert_allclose(labels[3], [0., 0.] if zero else
                               [10 / W, 20 / H], rtol=1e-6)
    np.testing.assert_array_equal(labels[4], [0., 0.])
    assert labels.dtype == np.float32 and weights.dtype == np.float32


def test_encode_default_visibility_and_bad_shapes():
    codec = CoordinateRegressionLabel((W, H))
    enc = codec.encode(np.full((2, 3, 2), 5.))
    np.testing.assert_array_equal(enc['keypoint_weights'], np.ones((2, 3)))
    with pytest.raises(ValueError, match=r'\(N, K, 2\)'):
        codec.encode(np.zeros((3, 2)))
    with pytest.raises(ValueError, match='keypoints_visible'):
        codec.encode(np.zeros((1, 3, 2)), np.ones((1, 4)))
    with pytest.raises(ValueError, match='input_size'):
        CoordinateRegressionLabel((0, 10))


def test_decode_passes_scores_through():
    codec = CoordinateRegressionLabel((W, H))
    rng = np.random.default_rng(0)
    kpts = rng.uniform(0, [W - 1, H - 1], size=(1, 17, 2))
    labels = codec.encode(kpts)['keypoint_labels']
    scores = rng.uniform(size=(1, 17)).astype(np.float32)
    out, out_scores = codec.decode(labels, scores)
    np.testing.assert_allclose(out, kpts, rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(out_scores, scores)
    assert out_scores is not scores
    _, ones = codec.decode(labels)
    np.testing.assert_array_equal(ones, np.ones((1, 17)))
    with pytest.raises(ValueError, match='scores'):
        codec.decode(labels, scores[:, :5])
    with pytest.raises(ValueError, match=r'\(N, K, 2\)'):
        codec.decode(labels[0])


def test_flip_matches_pixel_flip_and_is_involution():
    rng = np.random.default_rng(1)
    flip_indices = [0, 2, 1, 4, 3]
    kpts = rng.integers(0, [W, H], size=(2, 5, 2)).astype(np.float64)
    coords = kpts / [W, H]
    flipped = flip_normalized_coordinates(coords, flip_indices, W)
    # a keypoint at pixel x of the mirrored crop (img[:, ::-1]) is at
    # w - 1 - x, and left/right types swap
    expected = kpts[:, flip_indices].copy()
    expected[..., 0] = W - 1 - expected[..., 0]
    np.testing.assert_allclose(flipped * [W, H], expected, atol=1e-9)
    np.testing.assert_allclose(
        flip_normalized_coordinates(flipped, flip_indices, W), coords,
        atol=1e-12)
    # without a width: continuous flip 1 - u
    cont = flip_normalized_coordinates(coords, flip_indices)
    np.testing.assert_allclose(cont[..., 0], 1 - coords[:, flip_indices, 0])
    np.testing.assert_allclose(cont[..., 1], coords[:, flip_indices, 1])


def test_flip_torch_equals_numpy_and_does_not_modify_input():
    rng = np.random.default_rng(2)
    coords = rng.uniform(size=(3, 4, 2))
    t = torch.from_numpy(coords.copy())
    before = t.clone()
    out = CoordinateRegressionLabel.flip(t, [1, 0, 3, 2], W)
    torch.testing.assert_close(t, before)
    np.testing.assert_allclose(
        out.numpy(), flip_normalized_coordinates(coords, [1, 0, 3, 2], W))
    with pytest.raises(ValueError, match='flip_indices'):
        flip_normalized_coordinates(coords, [0, 1], W)


def test_generate_target_and_pack():
    """The codec works inside MMPose's pipeline: labels land in
    gt_instance_labels as the head expects."""
    from mmpose.datasets.transforms import GenerateTarget, PackPoseInputs
    codec = dict(type='CoordinateRegressionLabel', input_size=(W, H))
    results = dict(
        img=np.zeros((H, W, 3), np.uint8),
        keypoints=np.array([[[10., 20.], [50., 60.], [200., 5.]]]),
        keypoints_visible=np.array([[1., 0., 1.]]),
        img_shape=(H, W), input_size=(W, H))
    results = GenerateTarget(encoder=codec)(results)
    packed = PackPoseInputs()(results)
    labels = packed['data_samples'].gt_instance_labels
    torch.testing.assert_close(
        labels.keypoint_labels,
        torch.tensor([[[10 / W, 20 / H], [50 / W, 60 / H], [200 / W,
                                                             5 / H]]]))
    torch.testing.assert_close(labels.keypoint_weights,
                               torch.tensor([[1., 0., 0.]]))
    # the PRTR two-stage configs' codec: the reference's targets
    codec.update(weight_outside_crop=True, zero_unlabelled=True)
    packed = PackPoseInputs()(GenerateTarget(encoder=codec)(dict(
        results, keypoints=np.array([[[10., 20.], [50., 60.], [200., 5.]]]))))
    labels = packed['data_samples'].gt_instance_labels
    torch.testing.assert_close(
        labels.keypoint_labels,
        torch.tensor([[[10 / W, 20 / H], [0., 0.], [200 / W, 5 / H]]]))
    torch.testing.assert_close(labels.keypoint_weights,
                               torch.tensor([[1., 0., 1.]]))
