"""demo/lofr_responses.py: the located keypoints are the model's own plain
prediction, response maps are distributions, the prototype matrix is the
Gram matrix of the prototypes, and main writes both PNGs."""
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
import lofr_responses as demo  # noqa: E402

CONFIG = osp.join(ROOT, 'configs', 'lofr',
                  'td-lf_lofr-r18_1xb32-2e_synthpose-128x96.py')

pytestmark = pytest.mark.usefixtures('one_thread')


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    init_default_scope('mmpose')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(CONFIG).model)
    model.init_weights()
    path = str(tmp_path_factory.mktemp('ckpt') / 'model.pth')
    torch.save({'state_dict': model.state_dict()}, path)
    return path


def test_maps_are_the_models_prediction(checkpoint, tmp_path):
    from mmpose.apis import inference_topdown, init_model
    model = init_model(CONFIG, checkpoint, device='cpu')
    img = (np.random.default_rng(1).random((160, 120, 3)) * 255).astype(
        np.uint8)
    box = np.array([0, 0, 120, 160.])
    data, crop = demo.prepare_crop(model, img, box)
    maps = demo.lofr_maps(model, data['inputs'])
    assert maps['cams'].shape == (17, 8, 6)
    assert maps['responses'].shape == (17, 32, 24)
    np.testing.assert_allclose(maps['responses'].sum((1, 2)), 1, rtol=1e-5)
    # Fig. 6's matrix: the inner products of the RePPG prototypes of this
    # crop (F_c from the CAM branch, then the graph convolutions)
    head = model.head
    with torch.no_grad():
        feats = model.extract_feat(data['inputs'])
        _, _, fc = head.cam(feats[head.in_index[2]])
        protos = head.initial_prototypes(fc)[0]
    assert protos.shape == (17, head.embed_dims)
    np.testing.assert_allclose(maps['prototype_products'],
                               (protos @ protos.T).numpy(), rtol=1e-5,
                               atol=1e-5 * float(protos.norm(dim=1).max()**2))
    model.test_cfg['flip_test'] = False
    sample = inference_topdown(model, img, bboxes=box[None])[0]
    meta = sample.metainfo
    kpts = sample.pred_instances.keypoints[0]
    crop_kpts = (kpts - meta['input_center']) / meta['input_scale'] * \
        np.array(meta['input_size']) + 0.5 * np.array(meta['input_size'])
    np.testing.assert_allclose(maps['keypoints'], crop_kpts, atol=1e-3)
    np.testing.assert_allclose(sample.pred_instances.keypoint_scores[0],
                               maps['probs'], atol=1e-6)
    out = str(tmp_path / 'lofr.png')
    cv2.imwrite(str(tmp_path / 'img.jpg'), img)
    demo.main([str(tmp_path / 'img.jpg'), '--config', CONFIG, '--checkpoint',
               checkpoint, '--out', out])
    for path in (out, str(tmp_path / 'lofr_prototypes.png')):
        png = cv2.imread(path)
        assert png is not None and png.shape[0] > 100
    with pytest.raises(SystemExit, match='not found'):
        demo.main(['missing.jpg', '--config', CONFIG, '--checkpoint',
                   checkpoint, '--out', out])
