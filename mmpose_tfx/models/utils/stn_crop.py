"""Multi-layer cropping with a spatial transformer (PRTR, section 3.3,
eqs. 4-6): differentiable crops of backbone features inside person boxes.

Frames:

- image / input frame: the network input in pixels, pixel ``i`` at
  coordinate ``i`` (MMPose's convention);
- feature frame of a level with stride ``s``: feature pixel ``m`` sits at
  input coordinate ``s * m``, the centre of its receptive field in ResNet /
  HRNet, whose stride-2 convolutions are padded so that output ``m`` is
  centred on input ``2 m`` (docs/prtr.md, end-to-end decision 4);
- crop frame: the ``w x h`` grid of eqs. 4-5, crop pixel ``(i, j)`` at
  input coordinate ``(x_i, y_j)``; a normalised crop coordinate is
  ``u = i / w`` (the convention of :class:`CoordinateRegressionLabel`), so
  ``x = x_left + u (x_right - x_left)``.

Eq. 6 (bilinear kernel ``max(0, 1 - |x_i - m|) max(0, 1 - |y_j - n|)``,
zero outside the map) is ``torch.nn.functional.grid_sample`` with
``align_corners=True`` and zero padding in the feature frame, so the crop
is differentiable with respect to the features and to the box.
"""
from typing import Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


def enlarge_boxes(boxes: Tensor, factor: float) -> Tensor:
    """Scale ``(N, 4)`` boxes ``x1, y1, x2, y2`` by ``factor`` in width and
    height about their centres (PRTR: 1.25)."""
    center = (boxes[:, :2] + boxes[:, 2:]) * 0.5
    half = (boxes[:, 2:] - boxes[:, :2]) * (0.5 * factor)
    return torch.cat([center - half, center + half], dim=1)


def box_sampling_grid(boxes: Tensor, size: Tuple[int, int]) -> Tensor:
    """Eqs. 4-5: the ``w x h`` sampling grid of each box.

    ``x_i = (w - i) / w * x_left + i / w * x_right`` for ``i = 0 .. w-1``,
    ``y_j = (h - j) / h * y_top + j / h * y_down`` for ``j = 0 .. h-1``.

    Args:
        boxes (Tensor): ``(N, 4)`` as ``x_left, y_top, x_right, y_down`` in
            input pixels.
        size (tuple[int, int]): ``(w, h)`` of the grid.

    Returns:
        Tensor: ``(N, h, w, 2)`` input coordinates ``(x_i, y_j)``.
    """
    w, h = size
    if w < 1 or h < 1:
        raise ValueError(f'grid size must be positive, got {size}')
    if boxes.dim() != 2 or boxes.shape[1] != 4:
        raise ValueError(f'boxes must be (N, 4), got {tuple(boxes.shape)}')
    i = torch.arange(w, dtype=boxes.dtype, device=boxes.device) / w
    j = torch.arange(h, dtype=boxes.dtype, device=boxes.device) / h
    x = (1 - i)[None] * boxes[:, 0:1] + i[None] * boxes[:, 2:3]  # (N, w)
    y = (1 - j)[None] * boxes[:, 1:2] + j[None] * boxes[:, 3:4]  # (N, h)
    return torch.stack(
        [x[:, None, :].expand(-1, h, -1), y[:, :, None].expand(-1, -1, w)],
        dim=-1)


def crop_features(feats: Sequence[Tensor], batch_index: Tensor,
                  boxes: Tensor, size: Tuple[int, int],
                  input_shape: Tuple[int, int]) -> Tuple[Tensor, ...]:
    """Eq. 6 on every level: sample each box's grid from its image's maps.

    Args:
        feats (Sequence[Tensor]): Levels ``(B, C_l, H_l, W_l)`` of an input
            of ``input_shape`` ``(H, W)`` (stride ``s_l = W / W_l``; the
            input must be a multiple of every stride, e.g. padded to 32).
        batch_index (Tensor): ``(N,)`` image of each box.
        boxes (Tensor): ``(N, 4)`` ``x_left, y_top, x_right, y_down`` in
            input pixels.
        size (tuple[int, int]): ``(w, h)`` of the crops.
        input_shape (tuple[int, int]): ``(H, W)`` of the (padded) input.

    Returns:
        tuple[Tensor]: One ``(N, C_l, h, w)`` crop per level, on the same
        grid, ready to be concatenated along channels.
    """
    grid = box_sampling_grid(boxes, size)  # (N, h, w, 2) input pixels
    in_h, in_w = input_shape
    crops = []
    for feat in feats:
        fh, fw = feat.shape[-2:]
        if in_w % fw or in_h % fh or in_w // fw != in_h // fh:
            raise ValueError(
                f'a feature map of {fh}x{fw} is not an integer stride of the '
                f'{in_h}x{in_w} input: pad the input to a multiple of 32 '
                '(data_preprocessor pad_size_divisor)')
        stride = in_w // fw
        # feature pixel m at input s*m; align_corners=True: -1 / +1 are the
        # first / last feature pixel centres
        scale = grid.new_tensor([2. / (stride * max(fw - 1, 1)),
                                 2. / (stride * max(fh - 1, 1))])
        norm = grid * scale - 1.
        crops.append(
            F.grid_sample(
                feat[batch_index],
                norm,
                mode='bilinear',
                padding_mode='zeros',
                align_corners=True))
    return tuple(crops)


def to_box_frame(points: Tensor, boxes: Tensor) -> Tensor:
    """Input coordinates ``(N, K, 2)`` -> normalised crop coordinates
    ``u = (x - x_left) / (x_right - x_left)`` (same for v) of ``(N, 4)``
    boxes."""
    wh = (boxes[:, 2:] - boxes[:, :2]).clamp(min=1e-6)
    return (points - boxes[:, None, :2]) / wh[:, None]


def from_box_frame(coords: Tensor, boxes: Tensor) -> Tensor:
    """Inverse of :func:`to_box_frame`."""
    wh = boxes[:, 2:] - boxes[:, :2]
    return coords * wh[:, None] + boxes[:, None, :2]
