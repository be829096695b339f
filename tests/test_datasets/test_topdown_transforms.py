"""ClippedNormalBBoxTransform: SimpleBaseline's clipped-normal scale and
rotation (the PRTR reference's sampling), against a hand computation from
the same random stream and against the distribution's mass on the bounds."""
import numpy as np
import pytest
from mmpose.datasets.transforms import RandomBBoxTransform
from mmpose.registry import TRANSFORMS

import mmpose_tfx  # noqa: F401
from mmpose_tfx.datasets.transforms import ClippedNormalBBoxTransform

PRTR = dict(shift_prob=0., scale_factor=(0.7, 1.3), scale_prob=1.0,
            rotate_factor=40., rotate_prob=0.6)


def test_registered_and_defaults():
    t = TRANSFORMS.build(dict(type='ClippedNormalBBoxTransform', **PRTR))
    assert isinstance(t, ClippedNormalBBoxTransform)
    assert isinstance(t, RandomBBoxTransform)
    assert t.rotate_clip == 40.  # default: rotate_factor (MMPose's range)
    assert ClippedNormalBBoxTransform(**PRTR, rotate_clip=80.).rotate_clip \
        == 80.
    assert 'rotate_clip=40.0' in repr(t)
    with pytest.raises(ValueError, match='rotate_clip'):
        ClippedNormalBBoxTransform(rotate_clip=-1.)
    with pytest.raises(ValueError, match='scale_factor'):
        ClippedNormalBBoxTransform(scale_factor=(1.3, 0.7))


@pytest.mark.parametrize('clip', [40., 80.])
def test_params_are_the_clipped_draws(clip, monkeypatch):
    """Same random stream, computed by hand: scale = clip(1 + 0.3 z, 0.7,
    1.3), rotation = clip(40 z', -clip, clip) where u < 0.6, else 0."""
    t = ClippedNormalBBoxTransform(**PRTR, rotate_clip=clip)
    monkeypatch.setattr(t, '_truncnorm', lambda size=(): np.zeros(size))
    n = 1000
    np.random.seed(3)
    offset, scale, rotate = t._get_transform_params(n)
    np.random.seed(3)
    np.random.rand(n, 1)  # shift probability (shift_prob 0)
    z = np.random.randn(n, 1)
    s_on = np.random.rand(n, 1) < 1.0
    r = np.random.randn(n)
    r_on = np.random.rand(n) < 0.6
    np.testing.assert_array_equal(offset, 0.)
    np.testing.assert_allclose(
        scale, np.where(s_on, np.clip(1 + 0.3 * z, 0.7, 1.3), 1.), rtol=1e-6)
    np.testing.assert_allclose(
        rotate, np.where(r_on, np.clip(40 * r, -clip, clip), 0.), rtol=1e-6)


def test_mass_on_the_bounds_unlike_truncation():
    """Clipped: P(|z| > 1) = 31.7 % of the scale draws are exactly 0.7 or
    1.3; rotations clipped at +-40 (1 sigma) put 31.7 % of the rotated
    crops at +-40, at +-80 (the reference, 2 sigma) 4.6 %. MMPose's
    truncated normal puts nothing on the bounds."""
    np.random.seed(0)
    n = 40000
    clipped = ClippedNormalBBoxTransform(**PRTR)
    _, s, r = clipped._get_transform_params(n)
    assert s.min() == pytest.approx(0.7) and s.max() == pytest.approx(1.3)
    on_bounds = np.isclose(s, 0.7) | np.isclose(s, 1.3)
    assert on_bounds.mean() == pytest.approx(0.317, abs=0.01)
    rotated = r[r != 0]
    assert len(rotated) / n == pytest.approx(0.6, abs=0.01)
    assert np.abs(rotated).max() == pytest.approx(40.)
    assert np.isclose(np.abs(rotated), 40.).mean() == pytest.approx(
        0.317, abs=0.015)
    reference = ClippedNormalBBoxTransform(**PRTR, rotate_clip=80.)
    _, _, r80 = reference._get_transform_params(n)
    rotated = r80[r80 != 0]
    assert np.abs(rotated).max() == pytest.approx(80.)
    assert np.isclose(np.abs(rotated), 80.).mean() == pytest.approx(
        0.0455, abs=0.008)
    truncated = RandomBBoxTransform(**PRTR)
    _, st, rt = truncated._get_transform_params(n)
    assert not (np.isclose(st, 0.7) | np.isclose(st, 1.3)).any()
    assert not np.isclose(np.abs(rt), 40.).any()


def test_transform_scales_and_rotates_the_box():
    t = ClippedNormalBBoxTransform(**PRTR, rotate_clip=80.)
    results = dict(bbox_center=np.array([[50., 60.]], np.float32),
                   bbox_scale=np.array([[40., 80.]], np.float32))
    np.random.seed(1)
    out = t(dict(results))
    np.random.seed(1)
    _, scale, rotate = t._get_transform_params(1)
    np.testing.assert_allclose(out['bbox_scale'], [[40., 80.]] * scale)
    np.testing.assert_allclose(out['bbox_center'], [[50., 60.]])
    np.testing.assert_allclose(out['bbox_rotation'], rotate)
