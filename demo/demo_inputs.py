"""Input checks shared by the demos: files exist, the image decodes, the
person box is not degenerate."""
import os.path as osp
from typing import Optional, Sequence, Tuple

import numpy as np


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
    img = mmcv.imread(image)
    if img is None:
        raise SystemExit(f'cannot read image: {image}')
    h, w = img.shape[:2]
    box = np.array(bbox if bbox else [0, 0, w, h], np.float32)
    if box[2] <= box[0] or box[3] <= box[1]:
        raise SystemExit(f'degenerate --bbox {bbox}: need x2>x1, y2>y1')
    return img, box


def prepare_crop(model, img: np.ndarray, bbox: np.ndarray):
    """Run the config's test pipeline on one person box.

    Args:
        model: a top-down model from ``mmpose.apis.init_model``.
        img (np.ndarray): BGR image ``(H, W, 3)``.
        bbox (np.ndarray): ``(4,)`` box ``x1, y1, x2, y2`` in image pixels.

    Returns:
        tuple: the preprocessed batch of one (``inputs (1, 3, h, w)`` and
        ``data_samples``) and the crop as the network sees it, RGB
        ``(h, w, 3)`` uint8 (mean / std undone).
    """
    import torch
    from mmengine.dataset import Compose, pseudo_collate

    pipeline = Compose(model.cfg.test_dataloader.dataset.pipeline)
    data_info = dict(img=img, bbox=bbox[None].astype(np.float32),
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
