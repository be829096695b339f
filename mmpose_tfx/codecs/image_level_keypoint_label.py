"""Image-level keypoint labels for location-free pose estimation (LOFR,
Xu et al., CVPR 2022), with optional location labels for a deterministic
fraction of instances (its weakly semi-supervised mode, section 4.3.2).

For each person crop the label is which keypoint classes are present, a
``(N, K)`` 0 / 1 vector ``keypoint_presence``. Where it comes from
(``presence``):

- ``'annotation'`` (default, strictly location-free): the annotation's
  visibility alone (``v > 0``: labelled), permuted with left / right by
  ``RandomFlip`` like any per-keypoint label; no coordinate is read.
- ``'crop'``: labelled *and* inside the augmented crop, which reads the
  transformed coordinates inside the pipeline (a weaker setting: the
  labels then follow cut-offs caused by the augmentation).

Location labels (``labelled_fraction`` > 0): an instance is location-
labelled when :func:`is_location_labelled` of its annotation id says so
(a hash of the seed and the id: the same split in every run, epoch and
worker, independent of the order). For those, MMPose's ``MSRAHeatmap``
encodes Gaussian heatmaps (``heatmaps``, ``keypoint_weights``) and
``location_weight`` is 1; every other instance gets zero heatmaps, zero
weights and ``location_weight`` 0 *without reading its coordinates*.

``decode`` is ``MSRAHeatmap``'s (argmax of the response maps + quarter
offset), used on LOFR's part response maps.
"""
import hashlib
from typing import Optional, Tuple

import numpy as np
from mmpose.codecs import MSRAHeatmap
from mmpose.codecs.base import BaseKeypointCodec
from mmpose.registry import KEYPOINT_CODECS


def keypoints_in_crop(keypoints: np.ndarray,
                      size: Tuple[int, int]) -> np.ndarray:
    """Which keypoints ``(..., 2)`` (crop pixels) are finite and inside a
    ``(w, h)`` crop, ``[0, w - 1] x [0, h - 1]``: a boolean ``(...)``."""
    pts = np.asarray(keypoints, dtype=np.float32)[..., :2]
    w, h = size
    return np.isfinite(pts).all(-1) & (pts[..., 0] >= 0) & \
        (pts[..., 1] >= 0) & (pts[..., 0] <= w - 1) & (pts[..., 1] <= h - 1)


def is_location_labelled(ann_id, fraction: float, seed: int = 0) -> bool:
    """Whether annotation ``ann_id`` keeps its location labels.

    ``sha256(f'{seed}:{ann_id}')`` read as a number in ``[0, 1)`` is below
    ``fraction``: deterministic, order-free, and a fraction ``f`` of any
    large set of ids (tested)."""
    if not 0. <= fraction <= 1.:
        raise ValueError(f'fraction must be in [0, 1], got {fraction}')
    if fraction == 0.:
        return False
    if fraction == 1.:
        return True
    if ann_id is None:
        raise ValueError('a location-labelled fraction needs the annotation '
                         "id ('id' in the pipeline results)")
    digest = hashlib.sha256(f'{seed}:{int(ann_id)}'.encode()).digest()
    return int.from_bytes(digest[:8], 'big') / 2.**64 < fraction


@KEYPOINT_CODECS.register_module()
class ImageLevelKeypointLabel(BaseKeypointCodec):
    """Keypoint presence labels (+ heatmaps for location-labelled ones).

    Args:
        input_size (tuple[int, int]): Crop ``(w, h)``.
        heatmap_size (tuple[int, int]): Response-map / heatmap ``(w, h)``
            (LOFR: 1/4 of the input).
        sigma (float): Gaussian sigma of the location labels (heatmap
            pixels).
        presence (str): ``'annotation'`` or ``'crop'`` (see module doc).
        labelled_fraction (float): Fraction of instances with location
            labels (0: location-free; 0.05 / 0.1 / 0.25: Table 4; 1: all).
        split_seed (int): Seed of the labelled / unlabelled split.
    """

    auxiliary_encode_keys = {'id'}
    label_mapping_table = dict(
        keypoint_presence='keypoint_presence',
        keypoint_weights='keypoint_weights',
        location_weight='location_weight')
    field_mapping_table = dict(heatmaps='heatmaps')

    def __init__(self,
                 input_size: Tuple[int, int],
                 heatmap_size: Tuple[int, int],
                 sigma: float = 2.,
                 presence: str = 'annotation',
                 labelled_fraction: float = 0.,
                 split_seed: int = 0) -> None:
        super().__init__()
        if presence not in ('annotation', 'crop'):
            raise ValueError("presence must be 'annotation' or 'crop', got "
                             f'{presence!r}')
        if not 0. <= labelled_fraction <= 1.:
            raise ValueError('labelled_fraction must be in [0, 1], got '
                             f'{labelled_fraction}')
        self.input_size = tuple(input_size)
        self.heatmap_size = tuple(heatmap_size)
        self.presence = presence
        self.labelled_fraction = labelled_fraction
        self.split_seed = split_seed
        self.heatmap_codec = MSRAHeatmap(
            input_size=self.input_size,
            heatmap_size=self.heatmap_size,
            sigma=sigma)

    def encode(self,
               keypoints: np.ndarray,
               keypoints_visible: Optional[np.ndarray] = None,
               id=None) -> dict:
        """Encode one top-down instance.

        Args:
            keypoints (np.ndarray): ``(N, K, 2)`` crop pixels; read only for
                location-labelled instances (and ``presence='crop'``).
            keypoints_visible (np.ndarray): ``(N, K)`` annotation
                visibility.
            id: the annotation id (MMPose's ``id``), for the split.

        Returns:
            dict: ``keypoint_presence (N, K)``, ``heatmaps (K, h, w)``,
            ``keypoint_weights (N, K)``, ``location_weight (N,)``.
        """
        if keypoints_visible is None:
            raise ValueError('ImageLevelKeypointLabel needs the annotation '
                             'visibility (keypoints_visible)')
        visible = np.asarray(keypoints_visible, dtype=np.float32)
        if visible.ndim == 3:
            visible = visible[..., 0]
        n, k = visible.shape
        presence = (visible > 0).astype(np.float32)
        w, h = self.heatmap_size
        if self.presence == 'crop':
            presence = presence * keypoints_in_crop(keypoints,
                                                    self.input_size)
        ids = np.atleast_1d(id) if id is not None else [None] * n
        if self.labelled_fraction > 0 and len(ids) != n:
            raise ValueError(f'{n} instances but {len(ids)} annotation ids')
        labelled = np.array([
            is_location_labelled(i, self.labelled_fraction, self.split_seed)
            for i in ids
        ], dtype=bool)
        if labelled.any():
            pts = np.asarray(keypoints, dtype=np.float32)
            vis = np.where(labelled[:, None], visible, 0.)
            vis = np.where(np.isfinite(pts).all(-1), vis, 0.)
            pts = np.where(np.isfinite(pts), pts, 0.)
            enc = self.heatmap_codec.encode(pts, vis)
            heatmaps, weights = enc['heatmaps'], enc['keypoint_weights']
        else:
            heatmaps = np.zeros((k, h, w), np.float32)
            weights = np.zeros((n, k), np.float32)
        return dict(
            keypoint_presence=presence,
            heatmaps=heatmaps.astype(np.float32),
            keypoint_weights=weights.astype(np.float32),
            location_weight=labelled.astype(np.float32))

    def decode(self, encoded: np.ndarray
               ) -> Tuple[np.ndarray, np.ndarray]:
        """``(K, h, w)`` response maps -> keypoints ``(1, K, 2)`` in crop
        pixels and the maps' maxima ``(1, K)`` (MMPose's MSRA decoding)."""
        return self.heatmap_codec.decode(encoded)
