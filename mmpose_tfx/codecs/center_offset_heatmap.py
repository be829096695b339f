"""Low-resolution heatmap + center offset codec of LightPose (Liu et al.,
ICASSP 2022, section 2.1).

Coordinate frames
-----------------
MMPose keypoints in the model input live in the *pixel-centre* frame: pixel
``j`` of the input image is centred at ``x = j`` and covers ``[j - 0.5, j +
0.5)``; a horizontal image flip maps ``x -> w - 1 - x``.

The paper writes the low-resolution location as ``floor(p / R)`` without
naming the frame of ``p``. We read ``p`` in the *pixel-corner* frame,
``p = x + 0.5`` (the image spans ``[0, w]``). Then low-resolution cell ``i``
is exactly the set of input pixels ``iR .. iR + R - 1``, i.e. the pixels a
stride-``R`` feature location is aligned with, and a horizontal flip maps
cell ``i`` onto cell ``W - 1 - i`` exactly (no sub-cell shift of the
heatmap). With ``p = x`` instead (pixel-centre frame), cell ``i`` would be
shifted by half a pixel against its pixels and a flip would move a ``1/R``
sliver of every cell into the neighbouring cell. See
:func:`flip_center_offset`.

In low-resolution units (``q = p / R``):

- cell ``c = floor(q)`` (integer, per axis),
- quantisation offset ``o = q - c`` in ``[0, 1)``: the paper's
  ``O_k = |p/R - p~|`` (the absolute value is a no-op: ``o >= 0`` by
  construction of the floor),
- decoding: ``x = (c + o) * R - 0.5`` (input pixels, pixel-centre frame).
"""
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import Tensor

from mmpose.codecs.base import BaseKeypointCodec
from mmpose.registry import KEYPOINT_CODECS


def get_offset_heatmap_maximum(heatmaps: Tensor,
                               offsets: Optional[Tensor] = None
                               ) -> Tuple[Tensor, Tensor]:
    """Argmax of each heatmap plus the offset read at that cell.

    Args:
        heatmaps (Tensor): ``(B, K, H, W)``.
        offsets (Tensor, optional): ``(B, 2K, H, W)``, channel ``2k`` the x-
            and ``2k + 1`` the y-offset of keypoint ``k`` in cell units. If
            ``None`` the expected offset of a cell, ``0.5`` (its centre), is
            used: the heatmap-only decoding.

    Returns:
        tuple: coordinates ``(B, K, 2)`` in low-resolution units of the
        pixel-corner frame (``cell + offset``) and the peak values
        ``(B, K)``.
    """
    if heatmaps.dim() != 4:
        raise ValueError('heatmaps must be (B, K, H, W), got shape '
                         f'{tuple(heatmaps.shape)}')
    b, k, h, w = heatmaps.shape
    if offsets is not None and tuple(offsets.shape) != (b, 2 * k, h, w):
        raise ValueError(f'offsets must be (B, 2K, H, W) = {(b, 2 * k, h, w)}'
                         f' for heatmaps {tuple(heatmaps.shape)}, got '
                         f'{tuple(offsets.shape)}')
    scores, idx = heatmaps.flatten(2).max(dim=2)  # (B, K)
    cell = torch.stack((idx % w, idx // w), dim=-1).to(heatmaps.dtype)
    if offsets is None:
        return cell + 0.5, scores
    off = offsets.reshape(b, k, 2, h * w)
    off = off.gather(3, idx[:, :, None, None].expand(b, k, 2, 1))[..., 0]
    return cell + off.to(heatmaps.dtype), scores


def flip_center_offset(heatmaps: Tensor,
                       offsets: Optional[Tensor],
                       flip_indices: Optional[Sequence[int]] = None
                       ) -> Tuple[Tensor, Optional[Tensor]]:
    """Bring the outputs on a horizontally flipped input back to the frame of
    the unflipped input.

    Derivation (low-resolution units, pixel-corner frame, map width ``W``):
    flipping the input maps ``q -> W - q``. A keypoint at ``q = c + o`` in
    the original appears at ``q' = W - c - o = (W - 1 - c) + (1 - o)``, i.e.
    in cell ``c' = W - 1 - c`` with x-offset ``o' = 1 - o`` (for ``o > 0``).
    Hence the flipped outputs are mirrored cell-wise (``flip(-1)``, no
    shift), left/right keypoints are swapped, and the x-offset becomes
    ``o = 1 - o'``: the sign of the reflected offset flips and the one-cell
    shift (reflection turns the cell's left edge into its right edge) adds
    1. The y-offset is unchanged. For the per-cell ("local") offsets the
    same algebra gives the same transform.

    Args:
        heatmaps (Tensor): ``(B, K, H, W)`` predicted on the flipped input.
        offsets (Tensor, optional): ``(B, 2K, H, W)`` predicted on the
            flipped input.
        flip_indices (Sequence[int], optional): Symmetric keypoint of each
            keypoint.

    Returns:
        tuple: heatmaps ``(B, K, H, W)`` and offsets ``(B, 2K, H, W)`` (or
        ``None``) in the frame of the unflipped input.
    """
    b, k, h, w = heatmaps.shape
    if flip_indices is not None and len(flip_indices) != k:
        raise ValueError(f'flip_indices has {len(flip_indices)} entries for '
                         f'{k} keypoints')
    heatmaps = heatmaps.flip(-1)
    if flip_indices is not None:
        heatmaps = heatmaps[:, list(flip_indices)]
    if offsets is None:
        return heatmaps, None
    if tuple(offsets.shape) != (b, 2 * k, h, w):
        raise ValueError(f'offsets must be (B, 2K, H, W) = {(b, 2 * k, h, w)}'
                         f', got {tuple(offsets.shape)}')
    offsets = offsets.reshape(b, k, 2, h, w).flip(-1)
    if flip_indices is not None:
        offsets = offsets[:, list(flip_indices)]
    offsets = torch.stack((1. - offsets[:, :, 0], offsets[:, :, 1]), dim=2)
    return heatmaps, offsets.reshape(b, 2 * k, h, w)


@KEYPOINT_CODECS.register_module()
class CenterOffsetHeatmap(BaseKeypointCodec):
    """LightPose's low-resolution supervising label: a Gaussian heatmap at
    the quantised keypoint location plus its center offset.

    Note:

        - instance number: N (top-down: 1)
        - keypoint number: K
        - input image size: ``[w, h]``; heatmap size ``[W, H] = [w, h] / R``

    Encoded:

        - heatmaps (np.ndarray): ``(K, H, W)``, ``H_k = exp(-|cell -
          c_k|^2 / (2 sigma^2))`` centred on the integer cell ``c_k =
          floor(p_k / R)`` (paper: ``delta(x - p~) * G_sigma``).
        - offsets (np.ndarray): ``(2K, H, W)``, channels ``(2k, 2k + 1)`` =
          ``(x, y)`` offset of keypoint ``k`` in cell units, written where
          the offset weight is non-zero (zero elsewhere). ``'quantization'``
          (paper, eq. O_k): the constant ``p/R - floor(p/R)``;
          ``'local'``: ``p/R - cell`` for each cell.
        - offset_weights (np.ndarray): ``(K, H, W)``, ``W_k = H_k`` where
          ``H_k > threshold`` else 0 (paper eq. 2); all zero for an invisible
          keypoint.
        - keypoint_weights (np.ndarray): ``(N, K)``, the visibility, zeroed
          for keypoints whose cell lies outside the heatmap.

    Args:
        input_size (tuple): Input image size ``(w, h)``.
        stride (int): Output stride ``R`` (LightPose: 16). ``w`` and ``h``
            must be multiples of it.
        sigma (float, optional): Gaussian sigma in heatmap cells. Defaults to
            ``8 / R``: the sigma 2 of SimpleBaseline / HRNet's 1/4 heatmaps,
            kept at the same size in input pixels (the paper gives no
            value).
        threshold (float): ``t`` of eq. 2. Defaults to 0.1 (paper).
        use_offset (bool): Encode offsets (heatmap + offset supervision).
            ``False``: heatmap-only supervision (Table 5/6 baselines); decoding
            then puts a keypoint at the centre of its argmax cell.
        offset_type (str): ``'quantization'`` (default, the paper's) or
            ``'local'`` (see Encoded).
    """

    label_mapping_table = dict(keypoint_weights='keypoint_weights')
    field_mapping_table = dict(
        heatmaps='heatmaps',
        offsets='offsets',
        offset_weights='offset_weights')

    def __init__(self,
                 input_size: Tuple[int, int],
                 stride: int = 16,
                 sigma: Optional[float] = None,
                 threshold: float = 0.1,
                 use_offset: bool = True,
                 offset_type: str = 'quantization') -> None:
        super().__init__()
        if len(input_size) != 2:
            raise ValueError(f'input_size must be (w, h), got {input_size}')
        if int(stride) != stride or stride < 1:
            raise ValueError(
                f'stride must be a positive integer, got {stride}')
        stride = int(stride)
        w, h = (int(s) for s in input_size)
        if w % stride or h % stride or w < stride or h < stride:
            raise ValueError(f'input_size {tuple(input_size)} must be a '
                             f'positive multiple of the stride {stride}')
        if sigma is None:
            sigma = 8. / stride
        if not sigma > 0:
            raise ValueError(f'sigma must be > 0, got {sigma}')
        if not 0 <= threshold < 1:
            raise ValueError(f'threshold must be in [0, 1), got {threshold}')
        if offset_type not in ('quantization', 'local'):
            raise ValueError("offset_type must be 'quantization' or 'local', "
                             f'got {offset_type!r}')
        self.input_size = (w, h)
        self.stride = stride
        self.heatmap_size = (w // stride, h // stride)
        self.sigma = float(sigma)
        self.threshold = float(threshold)
        self.use_offset = bool(use_offset)
        self.offset_type = offset_type
        if not self.use_offset:
            # heatmap-only supervision packs no offset fields
            self.field_mapping_table = dict(heatmaps='heatmaps')

    def encode(self,
               keypoints: np.ndarray,
               keypoints_visible: Optional[np.ndarray] = None) -> dict:
        """Encode keypoints ``(1, K, 2)`` given in input-image pixels
        (pixel-centre frame, as ``TopdownAffine`` produces them).

        Returns:
            dict: ``heatmaps`` ``(K, H, W)``, ``keypoint_weights`` ``(1, K)``
            and, with ``use_offset``, ``offsets`` ``(2K, H, W)`` and
            ``offset_weights`` ``(K, H, W)``.
        """
        keypoints = np.asarray(keypoints, dtype=np.float64)
        if keypoints.ndim != 3 or keypoints.shape[-1] < 2:
            raise ValueError('keypoints must be (N, K, 2), got shape '
                             f'{keypoints.shape}')
        if keypoints.shape[0] != 1:
            raise ValueError(
                f'{type(self).__name__} encodes a single instance '
                f'(top-down), got N={keypoints.shape[0]}')
        num_k = keypoints.shape[1]
        if keypoints_visible is None:
            keypoints_visible = np.ones((1, num_k), dtype=np.float32)
        keypoints_visible = np.asarray(keypoints_visible, dtype=np.float32)
        if keypoints_visible.shape != (1, num_k):
            raise ValueError(f'keypoints_visible must be (1, {num_k}), got '
                             f'{keypoints_visible.shape}')

        W, H = self.heatmap_size
        kpt = keypoints[0, :, :2]
        labelled = keypoints_visible[0] >= 0.5
        bad = labelled & ~np.isfinite(kpt).all(axis=1)
        if bad.any():
            raise ValueError('non-finite coordinates for labelled keypoints '
                             f'{np.flatnonzero(bad).tolist()}')
        # q = p / R with p in the pixel-corner frame (module docstring)
        q = np.where(labelled[:, None], (kpt + 0.5) / self.stride, -1.)
        cell = np.floor(q)
        # decision: a keypoint whose cell lies outside the map gets no target
        # at all (weight 0): no in-map cell could decode it correctly
        valid = labelled & (cell[:, 0] >= 0) & (cell[:, 0] < W) & \
            (cell[:, 1] >= 0) & (cell[:, 1] < H)

        xs = np.arange(W, dtype=np.float64)
        ys = np.arange(H, dtype=np.float64)
        d2 = (xs[None, None, :] - cell[:, 0, None, None])**2 + \
            (ys[None, :, None] - cell[:, 1, None, None])**2
        # the paper prints exp(-d^2 / (2 sigma)); we read the usual
        # 2 sigma^2 (a typo otherwise: sigma would have squared units)
        heatmaps = np.exp(-d2 / (2 * self.sigma**2))
        heatmaps[~valid] = 0.
        keypoint_weights = keypoints_visible.copy()
        keypoint_weights[0, ~valid] = 0.
        encoded = dict(
            heatmaps=heatmaps.astype(np.float32),
            keypoint_weights=keypoint_weights)
        if not self.use_offset:
            return encoded

        # eq. 2: W_k = H_k where H_k > t (zero for invalid keypoints, whose
        # heatmaps are zero)
        weights = np.where(heatmaps > self.threshold, heatmaps, 0.)
        # 'quantization' (paper): the same p/R - floor(p/R) at every weighted
        # cell; 'local': p/R - cell, the reading of "the quantization distance
        # from this point" as a per-cell regression target
        if self.offset_type == 'quantization':
            off = np.broadcast_to((q - cell)[:, :, None, None],
                                  (num_k, 2, H, W))
        else:
            off = np.stack(
                (np.broadcast_to(q[:, 0, None, None] - xs[None, None, :],
                                 (num_k, H, W)),
                 np.broadcast_to(q[:, 1, None, None] - ys[None, :, None],
                                 (num_k, H, W))),
                axis=1)
        offsets = np.where(weights[:, None] > 0, off, 0.)
        encoded.update(
            offsets=offsets.reshape(2 * num_k, H, W).astype(np.float32),
            offset_weights=weights.astype(np.float32))
        return encoded

    def decode(self,
               heatmaps: np.ndarray,
               offsets: Optional[np.ndarray] = None
               ) -> Tuple[np.ndarray, np.ndarray]:
        """Decode one instance: heatmaps ``(K, H, W)`` and offsets
        ``(2K, H, W)`` (or ``None`` for heatmap-only decoding).

        Returns:
            tuple: keypoints ``(1, K, 2)`` in input-image pixels
            (pixel-centre frame) and scores ``(1, K)`` (heatmap peaks).
        """
        heatmaps = np.asarray(heatmaps)
        if heatmaps.ndim != 3:
            raise ValueError('heatmaps must be (K, H, W), got shape '
                             f'{heatmaps.shape}')
        hm = torch.from_numpy(np.ascontiguousarray(heatmaps))[None]
        off = None if offsets is None else torch.from_numpy(
            np.ascontiguousarray(np.asarray(offsets)))[None]
        keypoints, scores = self.batch_decode(hm, off)
        return keypoints[0], scores[0]

    def batch_decode(self,
                     batch_heatmaps: Tensor,
                     batch_offsets: Optional[Tensor] = None
                     ) -> Tuple[List[np.ndarray], List[np.ndarray]]:
        """Decode a batch: heatmaps ``(B, K, H, W)``, offsets
        ``(B, 2K, H, W)`` or ``None``.

        ``x = (argmax cell + offset at that cell) * R - 0.5`` in input
        pixels; score = heatmap peak. As MMPose's heatmap decoders,
        keypoints with a peak ``<= 0`` are set to ``-1``.

        Returns:
            tuple: lists of ``B`` arrays, keypoints ``(1, K, 2)`` and scores
            ``(1, K)``.
        """
        with torch.no_grad():
            hm = batch_heatmaps.detach().float()
            off = None if batch_offsets is None else \
                batch_offsets.detach().float()
            coords, scores = get_offset_heatmap_maximum(hm, off)
            keypoints = coords * self.stride - 0.5
            keypoints[scores <= 0] = -1.
        keypoints = keypoints.cpu().numpy()
        scores = scores.cpu().numpy()
        return [k[None] for k in keypoints], [s[None] for s in scores]

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(input_size={self.input_size}, '
                f'stride={self.stride}, sigma={self.sigma}, '
                f'threshold={self.threshold}, use_offset={self.use_offset}, '
                f'offset_type={self.offset_type!r})')
