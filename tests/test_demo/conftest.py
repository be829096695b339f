"""Fixtures shared by the demo tests."""
import json

import cv2
import numpy as np
import pytest


@pytest.fixture(scope='module')
def tiny_split(tmp_path_factory):
    """A 3-image COCO-format keypoint split (random pixels)."""
    root = tmp_path_factory.mktemp('split')
    (root / 'img').mkdir()
    rng = np.random.default_rng(0)
    images, anns = [], []
    for i in range(3):
        name = f'{i}.jpg'
        cv2.imwrite(str(root / 'img' / name),
                    (rng.random((120, 100, 3)) * 255).astype(np.uint8))
        images.append(dict(id=i + 1, file_name=name, width=100, height=120))
        kpts = np.concatenate(
            [rng.uniform(20, 80, (17, 2)), np.full((17, 1), 2)], 1)
        anns.append(dict(id=i + 1, image_id=i + 1, category_id=1,
                         bbox=[10, 10, 80, 100], area=8000, iscrowd=0,
                         num_keypoints=17, keypoints=kpts.ravel().tolist()))
    ann = dict(images=images, annotations=anns,
               categories=[dict(id=1, name='person')])
    (root / 'ann.json').write_text(json.dumps(ann))
    return root
