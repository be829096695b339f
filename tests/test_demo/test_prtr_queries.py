"""demo/prtr_queries.py: per-stage predictions of the read-out's queries
(Fig. 4) and the per-query class distribution over a split (Fig. 7)."""
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
import prtr_queries as demo  # noqa: E402

CONFIG = osp.join(ROOT, 'configs', 'prtr',
                  'td-reg_prtr-r18_1xb16-5e_synthpose-64x48.py')


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


def test_layer_predictions(checkpoint):
    from mmpose.apis import init_model
    model = init_model(CONFIG, checkpoint, device='cpu')
    img = (np.random.default_rng(1).random((160, 120, 3)) * 255).astype(
        np.uint8)
    res = demo.layer_predictions(model, img, np.array([0, 0, 120, 160.]))
    m = model.head.transformer.decoder_layers.__len__()
    q, j = model.head.num_queries, model.head.num_keypoints
    w, h = model.cfg.codec['input_size']
    assert res['crop'].shape == (h, w, 3) == (64, 48, 3)
    assert res['coords'].shape == (m + 1, q, 2)
    assert res['probs'].shape == (m + 1, q, j + 1)
    assert res['track'].shape == (m + 1, j, 2)
    assert len(set(res['queries'].tolist())) == j  # injective read-out
    np.testing.assert_allclose(res['probs'].sum(-1), 1, rtol=1e-5)
    # the final stage is the model's own (plain, no flip) prediction
    model.test_cfg['flip_test'] = False
    from mmpose.apis import inference_topdown
    sample = inference_topdown(model, img,
                               bboxes=np.array([[0, 0, 120, 160.]]))[0]
    meta = sample.metainfo
    kpts = sample.pred_instances.keypoints[0]
    crop_kpts = (kpts - meta['input_center']) / meta['input_scale'] * \
        np.array(meta['input_size']) + 0.5 * np.array(meta['input_size'])
    np.testing.assert_allclose(res['track'][-1], crop_kpts, atol=1e-3)
    np.testing.assert_allclose(sample.pred_instances.keypoint_scores[0],
                               res['scores'], atol=1e-5)
    # a non-finite or degenerate box is refused, not turned into NaN
    for box, match in (([0, np.nan, 120, 160], 'not finite'),
                       ([50, 0, 50, 160], 'degenerate')):
        with pytest.raises(ValueError, match=match):
            demo.layer_predictions(model, img, np.array(box, np.float32))


def test_query_class_distribution(checkpoint, tiny_split):
    from mmpose.apis import init_model
    model = init_model(CONFIG, checkpoint, device='cpu')
    ds = model.cfg.val_dataloader.dataset.copy()
    ds.update(data_root=str(tiny_split), ann_file='ann.json',
              data_prefix=dict(img='img/'))
    dist = demo.query_class_distribution(model, ds, max_samples=2,
                                         batch_size=1)
    q, j = model.head.num_queries, model.head.num_keypoints
    assert dist['num_samples'] == 2
    assert dist['fraction'].shape == (q, j + 1)
    np.testing.assert_allclose(dist['fraction'].sum(1), 1)
    assert dist['matched'].sum() == 2 * j
    shown = demo.shown_queries(dist, 5)
    assert len(shown) == 5 and set(shown) <= set(np.argsort(
        -dist['matched'], kind='stable')[:5])


def test_main_writes_pngs(checkpoint, tiny_split, tmp_path):
    img = str(tiny_split / 'img' / '0.jpg')
    outs = demo.main([
        img, '--config', CONFIG, '--checkpoint', checkpoint, '--out-dir',
        str(tmp_path), '--max-samples', '3', '--cfg-options',
        f'val_dataloader.dataset.data_root={tiny_split}',
        'val_dataloader.dataset.ann_file=ann.json',
        'val_dataloader.dataset.data_prefix.img=img/'
    ])
    for key in ('layers', 'distribution'):
        png = cv2.imread(outs[key])
        assert png is not None and png.shape[0] > 100 and png.shape[1] > 100
    frac = np.load(tmp_path / 'query_class_distribution.npy')
    assert frac.shape == (17, 18)  # Q = 17 queries x (J + 1) classes
    with pytest.raises(SystemExit, match='not found'):
        demo.main(['missing.jpg', '--config', CONFIG, '--checkpoint',
                   checkpoint, '--out-dir', str(tmp_path)])
