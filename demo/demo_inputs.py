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
