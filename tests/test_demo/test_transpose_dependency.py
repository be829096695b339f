import os.path as osp
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

import mmpose_tfx  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'demo'))
import transpose_dependency as demo  # noqa: E402

CONFIG = osp.join(ROOT, 'configs', 'transpose',
                  'td-hm_transpose-r18-s-a2_1xb32-2e_synthpose-128x96.py')


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    init_default_scope('mmpose')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(CONFIG).model)
    model.init_weights()
    path = str(tmp_path_factory.mktemp('dep') / 'model.pth')
    torch.save({'state_dict': model.state_dict()}, path)
    return path


@pytest.fixture(scope='module')
def image(tmp_path_factory):
    rng = np.random.default_rng(0)
    img = (rng.random((160, 120, 3)) * 255).astype(np.uint8)
    path = str(tmp_path_factory.mktemp('img') / 'img.png')
    cv2.imwrite(path, img)
    return path


def test_dependency_areas_are_attention_rows(checkpoint, image):
    from mmpose.apis import init_model
    model = init_model(CONFIG, checkpoint, device='cpu')
    img = cv2.imread(image)
    bbox = np.array([0, 0, 120, 160], np.float32)
    res = demo.dependency_areas(model, img, bbox, layer=-1)
    k = 17
    assert res['crop'].shape == (128, 96, 3)
    assert res['keypoints'].shape == (k, 2)
    assert tuple(res['token_grid']) == (16, 12)
    assert res['rows'].shape == (k, 16, 12)
    assert res['areas'].shape == (k, 128, 96)
    # each dependency area is one attention row: non-negative, sums to 1
    np.testing.assert_allclose(res['rows'].sum((1, 2)), np.ones(k),
                               rtol=1e-5)
    assert (res['rows'] >= 0).all()
    # the row is the one at the predicted keypoint's token
    pre = model.data_preprocessor
    x = torch.from_numpy(res['crop']).permute(2, 0, 1)[None].float()
    x = (x - pre.mean) / pre.std
    _, attn = model.neck.forward_with_attention(model.backbone(x))
    cols = np.clip((res['keypoints'][:, 0] / 8).astype(int), 0, 11)
    rows = np.clip((res['keypoints'][:, 1] / 8).astype(int), 0, 15)
    ref = attn[-1][0].detach().numpy()[rows * 12 + cols].reshape(k, 16, 12)
    np.testing.assert_allclose(res['rows'], ref, atol=2e-3)
    with pytest.raises(ValueError, match='out of range'):
        demo.dependency_areas(model, img, bbox, layer=2)
    # a non-finite or degenerate box is refused, not turned into NaN
    for box, match in (([np.nan, 0, 120, 160], 'not finite'),
                       ([0, 0, 120, 0.5], 'degenerate'),
                       ([130, 0, 200, 160], 'outside')):
        with pytest.raises(ValueError, match=match):
            demo.dependency_areas(model, img, np.array(box, np.float32))


def test_cli_writes_png(checkpoint, image, tmp_path):
    out = str(tmp_path / 'dep.png')
    demo.main([image, '--config', CONFIG, '--checkpoint', checkpoint,
               '--out', out, '--layer', '0', '--threshold', '0.00075'])
    png = cv2.imread(out)
    assert png is not None and png.shape[0] > 200 and png.shape[1] > 600
    with pytest.raises(SystemExit, match='not found'):
        demo.main(['missing.jpg', '--config', CONFIG, '--checkpoint',
                   checkpoint, '--out', out])
    with pytest.raises(SystemExit, match='degenerate'):
        demo.main([image, '--config', CONFIG, '--checkpoint', checkpoint,
                   '--out', out, '--bbox', '10', '10', '5', '20'])
    with pytest.raises(SystemExit, match='out of range'):
        demo.main([image, '--config', CONFIG, '--checkpoint', checkpoint,
                   '--out', out, '--layer', '5'])
