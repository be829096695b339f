"""Input checks shared by the demos: files exist, the image decodes, the
person box is finite, at least a pixel wide and high, and overlaps the
image."""
import os.path as osp
from typing import Optional, Sequence, Tuple

import numpy as np

MIN_BOX_SIDE = 1.0  # pixels; a smaller box cannot hold a person


def check_box(bbox, img_shape: Sequence[int],
              name: str = 'person box') -> np.ndarray:
    """The box ``x1, y1, x2, y2`` (image pixels) as a float32 ``(4,)``
    array, after checking that it is usable for a top-down crop.

    Raises:
        ValueError: naming the problem: not four numbers, not finite (also
            beyond float32), a side shorter than :data:`MIN_BOX_SIDE`, or no
            overlap with the ``(H, W, ...)`` image.
    """
    try:
        box = np.asarray(bbox, dtype=np.float64)
    except (TypeError, ValueError):
        box = None
    if box is None or box.shape != (4, ):
        raise ValueError(f'{name} must be four numbers x1 y1 x2 y2, got '
                         f'{bbox!r}')
    shown = ' '.join(f'{v:g}' for v in box)
    with np.errstate(over='ignore'):
        box32 = box.astype(np.float32)
    if not np.isfinite(box32).all():
        what = 'not finite' if not np.isfinite(box).all() else \
            'beyond the float32 range'
        raise ValueError(f'{name} {shown} is {what}: every coordinate must '
                         'be a finite number of pixels')
    if box32[2] - box32[0] < MIN_BOX_SIDE or \
            box32[3] - box32[1] < MIN_BOX_SIDE:
        raise ValueError(f'degenerate {name} {shown}: need x2 - x1 >= '
                         f'{MIN_BOX_SIDE:g} and y2 - y1 >= {MIN_BOX_SIDE:g} '
                         'pixels')
    h, w = img_shape[:2]
    if box32[2] <= 0 or box32[3] <= 0 or box32[0] >= w or box32[1] >= h:
        raise ValueError(f'{name} {shown} lies entirely outside the image '
                         f'(width {w}, height {h}): the crop would hold no '
                         'image pixel')
    return box32


def load_image_and_box(image: str, config: str, checkpoint: str,
                       bbox: Optional[Sequence[float]]
                       ) -> Tuple[np.ndarray, np.ndarray]:
    """Returns the BGR image ``(H, W, 3)`` and the person box ``(4,)`` as
    ``x1, y1, x2, y2`` in image pixels (the whole image when ``bbox`` is
    None); exits with a message naming the problem otherwise."""
    import mmcv

    for path, what in ((image, 'image'), (config, 'config'),
                       (checkpoint, 'checkpoint')):
        if not osp.isfile(path):
            raise SystemExit(f'{what} file not found: {path}')
    if osp.getsize(image) == 0:
        raise SystemExit(f'image file is empty: {image}')
    try:
        img = mmcv.imread(image)
    except Exception as e:  # cv2.error, OSError, ...: name the file
        raise SystemExit(f'cannot read image {image}: '
                         f'{type(e).__name__}: {str(e).strip()}')
    if img is None:
        raise SystemExit(f'cannot read image {image}: not an image file '
                         'OpenCV can decode')
    h, w = img.shape[:2]
    try:
        box = check_box(bbox if bbox is not None else [0, 0, w, h],
                        img.shape, '--bbox')
    except ValueError as e:
        raise SystemExit(str(e))
    return img, box


def prepare_crop(model, img: np.ndarray, bbox: np.ndarray):
    """Run the config's test pipeline on one person box.

    Args:
        model: a top-down model from ``mmpose.apis.init_model``.
        img (np.ndarray): BGR image ``(H, W, 3)``.
        bbox (np.ndarray): ``(4,)`` box ``x1, y1, x2, y2`` in image pixels
            (checked by :func:`check_box`: ``ValueError`` when unusable).

    Returns:
        tuple: the preprocessed batch of one (``inputs (1, 3, h, w)`` and
        ``data_samples``) and the crop as the network sees it, RGB
        ``(h, w, 3)`` uint8 (mean / std undone).
    """
    import torch
    from mmengine.dataset import Compose, pseudo_collate

    bbox = check_box(bbox, img.shape)  # no NaN keypoints from a bad box
    pipeline = Compose(model.cfg.test_dataloader.dataset.pipeline)
    data_info = dict(img=img, bbox=bbox[None],
                     bbox_score=np.ones(1, dtype=np.float32))
    data_info.update(model.dataset_meta)
    batch = pseudo_collate([pipeline(data_info)])
    with torch.no_grad():
        data = model.data_preprocessor(batch, False)
    crop = data['inputs'][0].permute(1, 2, 0).cpu().numpy()
    mean = np.array(model.data_preprocessor.mean.view(-1).cpu())
    std = np.array(model.data_preprocessor.std.view(-1).cpu())
    crop = np.clip(crop * std + mean, 0, 255).astype(np.uint8)
    return data, crop


def keypoint_names(dataset_meta: dict, num: int):
    """Names of keypoints ``0..num-1`` from the dataset metainfo."""
    names = dataset_meta.get('keypoint_id2name', {})
    return [names.get(i, str(i)) for i in range(num)]
