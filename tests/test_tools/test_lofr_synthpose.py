"""tools/benchmark/lofr_synthpose.py: the noisy ground-truth references move
every joint by the stated median distance, isotropically in pixels."""
import os.path as osp
import sys

import numpy as np
import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def bench(load_tool):
    sys.path.insert(0, osp.join(ROOT, 'tools', 'benchmark'))  # mim_steps
    try:
        yield load_tool('tools/benchmark/lofr_synthpose.py')
    finally:
        sys.path.remove(osp.join(ROOT, 'tools', 'benchmark'))


@pytest.mark.parametrize('err', [0.02, 0.05, 0.10])
def test_noisy_truth_has_the_stated_median_error(bench, err):
    w, h = 96, 128
    u = np.tile([[0.25, 0.75]], (20000, 1))
    moved = bench.noisy_truth(u, err, (w, h), np.random.default_rng(1))
    px = (moved - u) * [w, h]  # back to crop pixels
    dist = np.linalg.norm(px, axis=1)
    assert np.median(dist) / h == pytest.approx(err, rel=0.03)
    # isotropic in pixels, unbiased
    sx, sy = px.std(0)
    assert sx == pytest.approx(sy, rel=0.05)
    np.testing.assert_allclose(px.mean(0), 0, atol=0.05 * sx)


def test_truth_runs_are_whole_figure_runs(bench):
    for name, err in bench.TRUTH_RUNS.items():
        assert name in bench.WHOLE_RUNS and name in bench.LABELS
        assert f'{err:.2f}' in bench.LABELS[name]
