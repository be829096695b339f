"""The localisation table of tools/benchmark/lofr_response_stats.py: map
maxima in input pixels and the error / PCK against hand computations."""
import numpy as np
import pytest
import torch


@pytest.fixture(scope='module')
def stats(load_tool):
    return load_tool('tools/benchmark/lofr_response_stats.py')


def test_peak_is_the_cell_centre_in_input_pixels(stats):
    # an 8 x 6 (h x w) map of a 128 x 96 input: 16 px cells
    maps = torch.zeros(1, 2, 8, 6)
    maps[0, 0, 2, 5] = 1.  # row 2, column 5
    maps[0, 1, 7, 0] = 1.
    xy = stats._peak_xy(maps, 128, 96)
    np.testing.assert_allclose(xy[0], [[5.5 * 16, 2.5 * 16],
                                       [0.5 * 16, 7.5 * 16]])


def test_localisation_error_median_and_pck(stats):
    gt = np.zeros((2, 2, 2))
    pred = np.zeros((2, 2, 2))
    pred[0, 0] = [3., 4.]     # 5 px
    pred[0, 1] = [0., 10.]    # 10 px
    pred[1, 0] = [30., 40.]   # 50 px
    pred[1, 1] = [1e6, 1e6]   # not counted
    ok = np.array([[True, True], [True, False]])
    median, pck = stats.localisation_error(pred, gt, ok, crop_h=100.)
    assert median == pytest.approx(0.10)
    assert pck == pytest.approx(1 / 3)  # only 5 px is < 0.1 * 100
    nan = stats.localisation_error(pred, gt, np.zeros_like(ok), 100.)
    assert all(np.isnan(v) for v in nan)
