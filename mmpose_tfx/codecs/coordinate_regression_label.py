"""Coordinate-regression codec shared by the project's regression models.

PRTR (Li et al., CVPR 2021) and TFPose (Mao et al., 2021) regress keypoint
coordinates directly; both normalise them by the input size. MMPose's
:class:`~mmpose.codecs.RegressionLabel` already encodes exactly that
(``keypoint / (w, h)``, weight 1 for a labelled keypoint inside the crop),
so this codec extends it only where it falls short:

- ``decode(encoded, scores)`` passes the model's scores through (PRTR's
  score is the matched class probability); ``RegressionLabel`` returns ones
  for 2-D outputs.
- Keypoints that are not finite (NaN / inf after a degenerate transform)
  get weight 0 *and* a finite label 0, so that ``weight * |pred - label|``
  can never turn into a silent NaN (``RegressionLabel`` keeps the NaN label).
- ``zero_unlabelled``: keypoints without annotation (visibility <= 0.5)
  are labelled ``(0, 0)``, the PRTR reference's target for them, instead of
  wherever the affine transform moved their placeholder (``RegressionLabel``,
  the default). Their weight stays 0; PRTR's matcher measures its L1 cost
  to this label (docs/prtr.md, decision 3).
- ``weight_outside_crop``: labelled keypoints outside the crop keep weight 1
  (the PRTR reference: its targets are ``x / w`` for every labelled joint,
  in the crop or not) instead of 0 (``RegressionLabel``'s rule, the
  default; docs/prtr.md, decision 19).

The PRTR two-stage configs set both (the reference's targets); TFPose keeps
the defaults.
- Shape checks that name the problem.
- :func:`flip_normalized_coordinates`: the horizontal flip of normalised
  coordinates for numpy arrays and tensors, without modifying its input
  (MMPose's ``flip_coordinates`` flips in place and takes ``(B, K, D)``
  tensors only).

Coordinate frame: the input crop of size ``(w, h)`` with pixel ``i`` at
coordinate ``i`` (MMPose's convention); a normalised coordinate is
``u = x / w``, ``v = y / h``; labelled keypoints inside the crop lie in
``[0, (w-1)/w] x [0, (h-1)/h]``, a sub-range of ``[0, 1]`` that a sigmoid
output can reach (those outside it, weighted with ``weight_outside_crop``,
pull the sigmoid towards the border).
"""
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmpose.codecs import RegressionLabel
from mmpose.registry import KEYPOINT_CODECS

ArrayLike = Union[np.ndarray, torch.Tensor]


def flip_normalized_coordinates(coords: ArrayLike,
                                flip_indices: Sequence[int],
                                input_width: Optional[int] = None
                                ) -> ArrayLike:
    """Horizontally flip normalised keypoint coordinates.

    The image is flipped pixel-wise (pixel ``i`` -> ``w - 1 - i``, what
    ``tensor.flip(-1)`` and MMPose's ``RandomFlip`` do), so a normalised
    ``u = x / w`` becomes ``1 - u - 1/w``; without ``input_width`` the
    continuous flip ``1 - u`` is used. Left/right keypoints are swapped with
    ``flip_indices``. The map is an involution (applying it twice returns
    the input).

    Args:
        coords (np.ndarray | Tensor): ``(..., K, D)`` with ``D >= 2``,
            ``(u, v)`` first; extra channels are swapped but not mirrored.
        flip_indices (Sequence[int]): Index of each keypoint's mirror.
        input_width (int, optional): Crop width ``w`` in pixels.

    Returns:
        Same type and shape as ``coords``; the input is not modified.
    """
    if coords.ndim < 2 or coords.shape[-1] < 2:
        raise ValueError('flip_normalized_coordinates expects (..., K, D>=2) '
                         f'coordinates, got shape {tuple(coords.shape)}')
    num_keypoints = coords.shape[-2]
    if len(flip_indices) != num_keypoints:
        raise ValueError(f'flip_indices has {len(flip_indices)} entries for '
                         f'{num_keypoints} keypoints')
    shift = 0. if input_width is None else 1. / float(input_width)
    if isinstance(coords, torch.Tensor):
        index = torch.as_tensor(list(flip_indices), device=coords.device)
        out = coords.index_select(-2, index).clone()
    else:
        out = np.array(coords[..., list(flip_indices), :], copy=True)
    out[..., 0] = 1. - out[..., 0] - shift
    return out


@KEYPOINT_CODECS.register_module()
class CoordinateRegressionLabel(RegressionLabel):
    """Keypoints normalised by the input size, scores passed through.

    Encoded:

        - keypoint_labels (np.ndarray): ``(N, K, 2)`` = keypoints / (w, h);
          ``(0, 0)`` for non-finite keypoints (and for unlabelled ones with
          ``zero_unlabelled``); finite everywhere.
        - keypoint_weights (np.ndarray): ``(N, K)``, 1 for a keypoint that
          is labelled (visibility > 0.5), finite and inside the crop (or
          anywhere with ``weight_outside_crop``), else 0.

    Args:
        input_size (tuple[int, int]): Input crop size ``(w, h)``.
        weight_outside_crop (bool): Weight 1 also for labelled keypoints
            outside the crop (the PRTR reference). Defaults to False
            (MMPose's ``RegressionLabel``: weight 0 there).
        zero_unlabelled (bool): Label unlabelled keypoints ``(0, 0)`` (the
            PRTR reference). Defaults to False (``RegressionLabel``).
    """

    def __init__(self,
                 input_size: Tuple[int, int],
                 weight_outside_crop: bool = False,
                 zero_unlabelled: bool = False) -> None:
        if len(input_size) != 2 or min(input_size) <= 0:
            raise ValueError('input_size must be (w, h) with positive '
                             f'entries, got {input_size}')
        super().__init__(input_size=tuple(input_size))
        self.weight_outside_crop = bool(weight_outside_crop)
        self.zero_unlabelled = bool(zero_unlabelled)

    def encode(self,
               keypoints: np.ndarray,
               keypoints_visible: Optional[np.ndarray] = None) -> dict:
        """Normalise ``(N, K, 2)`` input-crop keypoints to ``[0, 1]``.

        Args:
            keypoints (np.ndarray): ``(N, K, 2)`` pixel coordinates in the
                input crop.
            keypoints_visible (np.ndarray, optional): ``(N, K)`` visibility
                (MMPose's 0 / 1, or a confidence); all ones if omitted.

        Returns:
            dict: ``keypoint_labels`` ``(N, K, 2)`` and ``keypoint_weights``
            ``(N, K)``, both float32.
        """
        keypoints = np.asarray(keypoints)
        if keypoints.ndim != 3 or keypoints.shape[-1] != 2:
            raise ValueError('CoordinateRegressionLabel encodes (N, K, 2) '
                             f'keypoints, got shape {keypoints.shape}')
        if keypoints_visible is None:
            keypoints_visible = np.ones(keypoints.shape[:2], np.float32)
        keypoints_visible = np.asarray(keypoints_visible)
        if keypoints_visible.shape != keypoints.shape[:2]:
            raise ValueError('keypoints_visible must have shape (N, K) = '
                             f'{keypoints.shape[:2]}, got '
                             f'{keypoints_visible.shape}')
        finite = np.isfinite(keypoints).all(axis=-1)
        labelled = finite & (keypoints_visible > 0.5)
        keep = labelled if self.zero_unlabelled else finite
        safe = np.where(keep[..., None], keypoints, 0.)
        encoded = super().encode(safe, keypoints_visible)
        if self.weight_outside_crop:
            weights = labelled
        else:
            weights = labelled & (encoded['keypoint_weights'] > 0)
        encoded['keypoint_weights'] = weights.astype(np.float32)
        return encoded

    def decode(self,
               encoded: np.ndarray,
               scores: Optional[np.ndarray] = None
               ) -> Tuple[np.ndarray, np.ndarray]:
        """Map normalised ``(N, K, 2)`` coordinates back to the input crop.

        Args:
            encoded (np.ndarray): ``(N, K, 2)`` normalised coordinates (or
                ``(N, K, 4)`` with sigmas, handled as ``RegressionLabel``).
            scores (np.ndarray, optional): ``(N, K)`` keypoint scores,
                returned unchanged (as float32); ones if omitted.

        Returns:
            tuple: keypoints ``(N, K, 2)`` in input-crop pixels and scores
            ``(N, K)``.
        """
        encoded = np.asarray(encoded)
        if encoded.ndim != 3 or encoded.shape[-1] not in (2, 4):
            raise ValueError('CoordinateRegressionLabel decodes (N, K, 2) '
                             f'(or (N, K, 4)) coordinates, got shape '
                             f'{encoded.shape}')
        keypoints, default_scores = super().decode(encoded)
        if scores is None:
            return keypoints, default_scores
        scores = np.asarray(scores, dtype=np.float32)
        if scores.shape != encoded.shape[:2]:
            raise ValueError(f'scores must have shape (N, K) = '
                             f'{encoded.shape[:2]}, got {scores.shape}')
        return keypoints, scores.copy()

    @staticmethod
    def flip(coords: ArrayLike,
             flip_indices: Sequence[int],
             input_width: Optional[int] = None) -> ArrayLike:
        """See :func:`flip_normalized_coordinates`."""
        return flip_normalized_coordinates(coords, flip_indices, input_width)
