"""demo/prtr_end_to_end.py and MMPoseInferencer with the end-to-end PRTR:
the demo's people are the model's own predictions in image pixels, the
crop regions are the boxes enlarged by 25 %, the inferencer returns and
draws every person without a separate detector."""
import os
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
import prtr_end_to_end as demo  # noqa: E402

CONFIG = osp.join(ROOT, 'configs', 'prtr',
                  'prtr-e2e_res18_1xb16-24e_synthpose-128x128.py')

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


@pytest.fixture(scope='module')
def image(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('img') / 'people.jpg')
    rng = np.random.default_rng(0)
    cv2.imwrite(path, (rng.random((200, 300, 3)) * 255).astype(np.uint8))
    return path


def test_demo_people_are_the_models_predictions(checkpoint, image):
    from mmpose.apis import inference_bottomup, init_model
    model = init_model(CONFIG, checkpoint, device='cpu',
                       cfg_options=dict(model=dict(test_cfg=dict(
                           score_thr=0.))))
    img = cv2.imread(image)
    people = demo.detect_people(model, img)
    n = len(people['bboxes'])
    assert n == model.head.num_people
    assert people['keypoints'].shape == (n, 17, 2)
    assert people['layer_boxes'].shape == (3, n, 4)
    np.testing.assert_allclose(people['layer_boxes'][-1], people['bboxes'],
                               rtol=1e-4, atol=1e-3)
    # crop regions: the boxes enlarged by 25 % about their centres
    c = (people['bboxes'][:, :2] + people['bboxes'][:, 2:]) / 2
    np.testing.assert_allclose(
        people['crop_boxes'][:, 2:] - people['crop_boxes'][:, :2],
        1.25 * (people['bboxes'][:, 2:] - people['bboxes'][:, :2]),
        rtol=1e-4)
    np.testing.assert_allclose(
        (people['crop_boxes'][:, :2] + people['crop_boxes'][:, 2:]) / 2, c,
        rtol=1e-4, atol=1e-3)
    pred = inference_bottomup(model, img)[0].pred_instances
    np.testing.assert_allclose(pred.keypoints, people['keypoints'],
                               rtol=1e-4, atol=1e-2)
    np.testing.assert_allclose(pred.bboxes, people['bboxes'], rtol=1e-4,
                               atol=1e-2)
    np.testing.assert_allclose(pred.bbox_scores, people['bbox_scores'],
                               rtol=1e-5)


def test_main_writes_png_and_inferencer_draws_everyone(checkpoint, image,
                                                       tmp_path):
    out = str(tmp_path / 'e2e.png')
    people = demo.main([image, '--config', CONFIG, '--checkpoint',
                        checkpoint, '--out', out, '--layers',
                        '--score-thr', '0'])
    png = cv2.imread(out)
    assert png is not None and png.shape[0] > 100
    assert len(people['bboxes']) == 10

    from mmpose.apis import MMPoseInferencer
    inferencer = MMPoseInferencer(
        pose2d=CONFIG, pose2d_weights=checkpoint, device='cpu')
    inferencer.inferencer.model.test_cfg['score_thr'] = 0.
    vis_dir = str(tmp_path / 'vis')
    result = next(inferencer(image, vis_out_dir=vis_dir))
    preds = result['predictions'][0]
    assert len(preds) == 10
    assert all(np.asarray(p['keypoints']).shape == (17, 2) for p in preds)
    assert len(os.listdir(vis_dir)) == 1
    with pytest.raises(SystemExit, match='not found'):
        demo.main(['missing.jpg', '--config', CONFIG, '--checkpoint',
                   checkpoint, '--out', out])
