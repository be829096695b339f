"""Coordinate-regression labels plus UDP heatmap targets in one codec.

TFPose (Mao et al., 2021) regresses normalised coordinates (eq. 5) and, in
training only, supervises an auxiliary heatmap branch with MSE against
Gaussian targets generated "following Unbiased Data Processing (UDP)"
(section 3.4 / 4.1). One codec produces both, because MMPose's
``GenerateTarget`` with a list of encoders stacks their ``keypoint_weights``
along a new axis, which breaks top-down packing.

It composes the project's :class:`CoordinateRegressionLabel` (labels and
weights of the regression, decoding, flip) with MMPose's ``UDPHeatmap`` (the
auxiliary targets); nothing of either is re-implemented. Encoded:

- ``keypoint_labels`` ``(N, K, 2)``: keypoints / input size, finite;
- ``keypoint_weights`` ``(N, K)``: regression weights (labelled, finite and
  inside the crop);
- ``heatmaps`` ``(K, H, W)``: UDP Gaussian heatmaps;
- ``heatmap_keypoint_weights`` ``(N, K)``: UDP's own weights (labelled and
  Gaussian overlapping the heatmap), packed into ``gt_instance_labels``
  through this codec's ``label_mapping_table``.

Non-finite keypoints (a degenerate transform) are given visibility 0 before
UDP sees them, so they yield an empty channel with weight 0 instead of an
integer overflow inside the Gaussian drawing.
"""
from typing import Optional, Tuple

import numpy as np
from mmpose.codecs import UDPHeatmap
from mmpose.registry import KEYPOINT_CODECS

from .coordinate_regression_label import CoordinateRegressionLabel


@KEYPOINT_CODECS.register_module()
class RegressionAuxHeatmapLabel(CoordinateRegressionLabel):
    """Normalised coordinates + UDP heatmaps for an auxiliary loss.

    Args:
        input_size (tuple[int, int]): Input crop ``(w, h)``.
        heatmap_size (tuple[int, int]): Auxiliary heatmap ``(w, h)``
            (TFPose: 1/4 of the input, e.g. 48x64 for 192x256).
        sigma (float): Gaussian sigma in heatmap pixels (2, as MMPose's UDP
            configs at 1/4 resolution). ``3 * sigma`` must be an integer:
            MMPose's UDP drawing truncates the window start
            ``int(mu - 3 sigma)`` towards zero, which for a fractional radius
            shifts Gaussians near the left / top border by one pixel.
    """

    label_mapping_table = dict(
        keypoint_labels='keypoint_labels',
        keypoint_weights='keypoint_weights',
        heatmap_keypoint_weights='heatmap_keypoint_weights')

    def __init__(self,
                 input_size: Tuple[int, int],
                 heatmap_size: Tuple[int, int],
                 sigma: float = 2.) -> None:
        super().__init__(input_size=input_size)
        if len(heatmap_size) != 2 or min(heatmap_size) <= 1:
            raise ValueError('heatmap_size must be (w, h) with entries > 1, '
                             f'got {heatmap_size}')
        if sigma <= 0 or abs(3 * sigma - round(3 * sigma)) > 1e-6:
            raise ValueError(
                f'sigma must be positive with 3 * sigma an integer (UDP '
                f'window radius), got {sigma}')
        self.heatmap_size = tuple(heatmap_size)
        self.heatmap_codec = UDPHeatmap(
            input_size=tuple(input_size),
            heatmap_size=tuple(heatmap_size),
            heatmap_type='gaussian',
            sigma=sigma)

    def encode(self,
               keypoints: np.ndarray,
               keypoints_visible: Optional[np.ndarray] = None) -> dict:
        """Encode ``(N, K, 2)`` input-crop keypoints.

        Returns:
            dict: ``keypoint_labels``, ``keypoint_weights``, ``heatmaps``
            and ``heatmap_keypoint_weights`` (see the module docstring).
        """
        encoded = super().encode(keypoints, keypoints_visible)
        keypoints = np.asarray(keypoints, dtype=np.float32)
        if keypoints_visible is None:
            keypoints_visible = np.ones(keypoints.shape[:2], np.float32)
        finite = np.isfinite(keypoints).all(axis=-1)
        visible = np.where(finite, keypoints_visible, 0.).astype(np.float32)
        safe = np.where(finite[..., None], keypoints, 0.).astype(np.float32)
        aux = self.heatmap_codec.encode(safe, visible)
        encoded['heatmaps'] = aux['heatmaps']
        encoded['heatmap_keypoint_weights'] = aux['keypoint_weights'].astype(
            np.float32)
        return encoded
