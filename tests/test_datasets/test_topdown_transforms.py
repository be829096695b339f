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


# ---------------------------------------------------------------------------
# KeypointPatchOcclusion (LOFR on SynthPose, docs/lofr.md decision 17)
# ---------------------------------------------------------------------------
def _crop(seed=0, n=1, k=17, h=128, w=96):
    rng = np.random.default_rng(seed)
    kpts = rng.uniform([2, 2], [w - 3, h - 3], (n, k, 2)).astype(np.float32)
    vis = np.ones((n, k), np.float32)
    vis[:, 0] = 0  # one unlabelled keypoint
    img = np.full((h, w, 3), 7, np.uint8)
    return dict(img=img, transformed_keypoints=kpts.copy(),
                keypoints=kpts.copy(), keypoints_visible=vis)


def _inside_patch(pts, patches):
    """Points inside any pasted pixel block (a hand computation of the
    block the transform fills: floor(c - s/2) .. ceil(c + s/2))."""
    out = np.zeros(pts.shape[:-1], bool)
    for cx, cy, s in patches:
        x0, x1 = np.floor(cx - s / 2), np.ceil(cx + s / 2)
        y0, y1 = np.floor(cy - s / 2), np.ceil(cy + s / 2)
        out |= (pts[..., 0] >= x0 - 0.5) & (pts[..., 0] <= x1 + 0.5) & \
            (pts[..., 1] >= y0 - 0.5) & (pts[..., 1] <= y1 + 0.5)
    return out


@pytest.mark.parametrize('seed', range(5))
def test_occlusion_labels_exactly_the_covered_keypoints(seed):
    """Every keypoint inside a patch becomes absent, every other keeps its
    label, the patches are painted, and the coordinates are untouched."""
    from mmpose_tfx.datasets.transforms import KeypointPatchOcclusion
    t = TRANSFORMS.build(
        dict(type='KeypointPatchOcclusion', prob=0.5,
             num_distractors=(1, 3)))
    assert isinstance(t, KeypointPatchOcclusion)
    np.random.seed(seed)
    res = _crop(seed, n=2)
    before = {k: np.copy(v) for k, v in res.items()}
    out = t(res)
    patches = out['occlusion_patches']
    assert len(patches) >= 1
    covered = _inside_patch(before['transformed_keypoints'], patches)
    expect = np.where(covered, 0., before['keypoints_visible'])
    np.testing.assert_array_equal(out['keypoints_visible'], expect)
    np.testing.assert_array_equal(out['transformed_keypoints'],
                                  before['transformed_keypoints'])
    # each patch's centre pixel was painted (unless a later patch painted
    # it again with the background value, which is vanishingly unlikely)
    changed = (out['img'] != 7).any(-1)
    for cx, cy, _ in patches:
        assert changed[int(round(cy)), int(round(cx))]
    # nothing painted outside the patches
    yy, xx = np.mgrid[:128, :96]
    grid = np.stack([xx, yy], -1).astype(np.float32)
    assert not (changed & ~_inside_patch(grid, patches)).any()
    assert before['img'].max() == 7  # the input image is not modified


def test_occlusion_rate_and_centres():
    """With no distractors, each labelled keypoint gets a patch with
    probability ``prob``, centred within ``jitter`` x side of it: about
    ``prob`` of the labelled keypoints (more, with the overlaps) end up
    absent, the unlabelled one never becomes present."""
    from mmpose_tfx.datasets.transforms import KeypointPatchOcclusion
    t = KeypointPatchOcclusion(prob=0.3, size=(0.05, 0.05), jitter=0.2,
                               num_distractors=(0, 0))
    np.random.seed(0)
    absent, patches = [], 0
    for seed in range(300):
        res = _crop(seed)
        pts = res['transformed_keypoints'][0]
        out = t(res)
        assert out['keypoints_visible'][0, 0] == 0
        absent.append(out['keypoints_visible'][0, 1:] == 0)
        for cx, cy, s in out['occlusion_patches']:
            d = np.abs(pts - [cx, cy]).max(-1)
            assert d.min() <= 0.2 * s + 1e-4  # next to some keypoint
            patches += 1
    rate = np.mean(absent)
    assert abs(patches / (300 * 16) - 0.3) < 0.03
    assert 0.3 - 0.03 < rate < 0.45


def test_occlusion_bad_input():
    from mmpose_tfx.datasets.transforms import KeypointPatchOcclusion
    with pytest.raises(ValueError, match='prob'):
        KeypointPatchOcclusion(prob=1.5)
    with pytest.raises(ValueError, match='size'):
        KeypointPatchOcclusion(size=(0.3, 0.1))
    with pytest.raises(ValueError, match='jitter'):
        KeypointPatchOcclusion(jitter=0.5)
    with pytest.raises(ValueError, match='num_distractors'):
        KeypointPatchOcclusion(num_distractors=(2, 1))
    res = _crop()
    del res['transformed_keypoints']
    with pytest.raises(KeyError, match='TopdownAffine'):
        KeypointPatchOcclusion()(res)
