"""ImageLevelKeypointLabel: presence from visibility alone (strict) or
inside the crop, the deterministic location-labelled split with the
configured ratio, heatmaps only for labelled instances, packing."""
import numpy as np
import pytest
from mmpose.codecs import MSRAHeatmap
from mmpose.datasets.transforms import GenerateTarget, PackPoseInputs

import mmpose_tfx  # noqa: F401
from mmpose_tfx.codecs import ImageLevelKeypointLabel, is_location_labelled

W, H = 48, 64


def _codec(**kw):
    args = dict(input_size=(W, H), heatmap_size=(12, 16), sigma=2.)
    args.update(kw)
    return ImageLevelKeypointLabel(**args)


def test_presence_strict_and_crop():
    kpts = np.array([[[5., 5.], [100., 10.], [10., 70.], [20., 20.]]])
    vis = np.array([[1., 1., 2., 0.]])
    strict = _codec().encode(kpts, vis, id=1)
    assert strict['keypoint_presence'].tolist() == [[1., 1., 1., 0.]]
    crop = _codec(presence='crop').encode(kpts, vis, id=1)
    assert crop['keypoint_presence'].tolist() == [[1., 0., 0., 0.]]
    assert strict['location_weight'].tolist() == [0.]
    assert (strict['heatmaps'] == 0).all() and \
        (strict['keypoint_weights'] == 0).all()
    with pytest.raises(ValueError, match="'annotation' or 'crop'"):
        _codec(presence='box')


@pytest.mark.parametrize('fraction', [0.05, 0.1, 0.25])
def test_split_is_deterministic_with_the_ratio(fraction):
    ids = np.arange(100000, 120000)
    a = np.array([is_location_labelled(i, fraction, seed=3) for i in ids])
    b = np.array([is_location_labelled(i, fraction, seed=3)
                  for i in ids[::-1]])[::-1]
    assert (a == b).all()  # order-free, same every run / worker
    assert abs(a.mean() - fraction) < 0.01
    other = np.array([is_location_labelled(i, fraction, seed=4)
                      for i in ids])
    assert (a != other).any()  # the seed picks another split
    # nested: a smaller fraction is a subset of a larger one
    big = np.array([is_location_labelled(i, 0.5, seed=3) for i in ids])
    assert (big[a]).all()


def test_labelled_instances_get_msra_heatmaps():
    kpts = np.array([[[5., 5.], [30., 40.], [10., 50.], [20., 20.]]])
    vis = np.array([[1., 1., 1., 0.]])
    enc = _codec(labelled_fraction=1.).encode(kpts, vis, id=7)
    ref = MSRAHeatmap(input_size=(W, H), heatmap_size=(12, 16),
                      sigma=2.).encode(kpts, vis)
    np.testing.assert_array_equal(enc['heatmaps'], ref['heatmaps'])
    np.testing.assert_array_equal(enc['keypoint_weights'],
                                  ref['keypoint_weights'])
    assert enc['location_weight'].tolist() == [1.]
    with pytest.raises(ValueError, match='annotation id'):
        _codec(labelled_fraction=0.5).encode(kpts, vis, id=None)


def test_packing():
    results = dict(keypoints=np.zeros((1, 4, 2), np.float32) + 10,
                   keypoints_visible=np.ones((1, 4), np.float32), id=3,
                   img=np.zeros((H, W, 3), np.uint8), img_shape=(H, W))
    results = GenerateTarget(encoder=dict(
        type='ImageLevelKeypointLabel', input_size=(W, H),
        heatmap_size=(12, 16)))(results)
    sample = PackPoseInputs()(results)['data_samples']
    labels = sample.gt_instance_labels
    assert tuple(labels.keypoint_presence.shape) == (1, 4)
    assert tuple(labels.location_weight.shape) == (1, )
    assert tuple(sample.gt_fields.heatmaps.shape) == (4, 16, 12)
