"""PRTR end-to-end STN cropping (eqs. 4-6): the grid at hand-checked
points, crops of a feature map that encodes its own coordinates return the
box's coordinates on every level, gradients with respect to the box agree
with finite differences, box-frame round trip."""
import pytest
import torch

from mmpose_tfx.models.utils import (box_sampling_grid, crop_features,
                                     enlarge_boxes, from_box_frame,
                                     to_box_frame)


def test_grid_is_eqs_4_5():
    box = torch.tensor([[10., 20., 50., 100.]])  # x_l, y_t, x_r, y_d
    grid = box_sampling_grid(box, (4, 5))  # w = 4, h = 5
    assert grid.shape == (1, 5, 4, 2)
    # x_i = (w - i) / w * x_l + i / w * x_r
    assert grid[0, 0, 0].tolist() == [10., 20.]
    assert grid[0, 0, 1, 0].item() == pytest.approx(3 / 4 * 10 + 1 / 4 * 50)
    assert grid[0, 0, 3, 0].item() == pytest.approx(1 / 4 * 10 + 3 / 4 * 50)
    # y_j = (h - j) / h * y_t + j / h * y_d
    assert grid[0, 2, 0, 1].item() == pytest.approx(3 / 5 * 20 + 2 / 5 * 100)
    assert grid[0, 4, 2, 1].item() == pytest.approx(1 / 5 * 20 + 4 / 5 * 100)
    # x depends on the column only, y on the row only
    assert torch.equal(grid[0, :, 2, 0], grid[0, 0, 2, 0].expand(5))
    with pytest.raises(ValueError, match='boxes'):
        box_sampling_grid(torch.zeros(4), (2, 2))


def _coordinate_maps(input_hw, strides, batch=2):
    """Per level, channel 0 = the input x of each feature pixel (s * m),
    channel 1 = its input y, channel 2 = the batch index."""
    h, w = input_hw
    maps = []
    for s in strides:
        fh, fw = h // s, w // s
        ys, xs = torch.meshgrid(torch.arange(fh) * float(s),
                                torch.arange(fw) * float(s), indexing='ij')
        m = torch.stack([xs, ys, torch.zeros_like(xs)])[None].repeat(
            batch, 1, 1, 1)
        m[:, 2] = torch.arange(batch).float()[:, None, None]
        maps.append(m.double())
    return maps


def test_crop_of_coordinate_maps_returns_box_coordinates():
    maps = _coordinate_maps((128, 96), (8, 16, 32))
    boxes = torch.tensor([[20., 30., 60., 90.], [33.5, 10.25, 64., 40.]],
                         dtype=torch.float64)
    batch_index = torch.tensor([1, 0])
    crops = crop_features(maps, batch_index, boxes, (6, 8), (128, 96))
    grid = box_sampling_grid(boxes, (6, 8))
    for crop in crops:  # bilinear sampling of a linear map is exact
        assert crop.shape == (2, 3, 8, 6)
        torch.testing.assert_close(crop[:, 0], grid[..., 0])
        torch.testing.assert_close(crop[:, 1], grid[..., 1])
        assert (crop[0, 2] == 1).all() and (crop[1, 2] == 0).all()
    # outside the map the bilinear kernel of eq. 6 has no support: zero
    far = torch.tensor([[500., 500., 600., 600.]], dtype=torch.float64)
    out = crop_features(maps, torch.tensor([0]), far, (3, 3), (128, 96))
    assert all((o == 0).all() for o in out)
    with pytest.raises(ValueError, match='integer stride'):
        crop_features([torch.zeros(1, 1, 5, 7)], torch.tensor([0]), boxes[:1],
                      (2, 2), (128, 96))


def test_gradient_wrt_box_matches_finite_differences():
    g = torch.Generator().manual_seed(0)
    feats = [torch.randn(1, 3, 16, 12, generator=g, dtype=torch.float64),
             torch.randn(1, 2, 8, 6, generator=g, dtype=torch.float64)]
    weights = [torch.randn(1, 3, 5, 4, generator=g, dtype=torch.float64),
               torch.randn(1, 2, 5, 4, generator=g, dtype=torch.float64)]
    box = torch.tensor([[21.3, 17.7, 70.1, 101.9]], dtype=torch.float64,
                       requires_grad=True)

    def objective(b):
        crops = crop_features(feats, torch.tensor([0]), b, (4, 5), (128, 96))
        return sum((c * w).sum() for c, w in zip(crops, weights))

    objective(box).backward()
    assert torch.isfinite(box.grad).all() and box.grad.abs().sum() > 0
    eps = 1e-6
    for k in range(4):
        d = torch.zeros_like(box)
        d[0, k] = eps
        fd = (objective(box.detach() + d) - objective(box.detach() - d)) / (
            2 * eps)
        assert box.grad[0, k].item() == pytest.approx(fd.item(), rel=1e-4,
                                                      abs=1e-7)
    # and with respect to the features
    feats[0].requires_grad_(True)
    objective(box.detach()).backward()
    assert feats[0].grad.abs().sum() > 0


def test_enlarge_and_box_frame():
    box = torch.tensor([[10., 20., 50., 100.]])
    big = enlarge_boxes(box, 1.25)
    assert big.tolist() == [[5., 10., 55., 110.]]
    pts = torch.tensor([[[5., 10.], [30., 60.], [55., 110.]]])
    u = to_box_frame(pts, big)
    torch.testing.assert_close(u, torch.tensor([[[0., 0.], [0.5, 0.5],
                                                 [1., 1.]]]))
    torch.testing.assert_close(from_box_frame(u, big), pts)
