"""demo/tfpose_queries.py: the refinement path is the model's own
prediction, sampling points sit around the reference points with weights
that are distributions, q2q matrices over a split are row-stochastic, and
main writes the three PNGs."""
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
import tfpose_queries as demo  # noqa: E402

CONFIG = osp.join(ROOT, 'configs', 'tfpose',
                  'td-reg_tfpose-r18-e2d3_1xb32-2e_synthpose-128x96.py')

pytestmark = pytest.mark.usefixtures('one_thread')


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    init_default_scope('mmpose')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(CONFIG).model)
    model.init_weights()
    # refinement and sampling as after training (init: zero last layers)
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, p in model.head.query_decoder.named_parameters():
            if 'refine_branches' in name or 'sampling_offsets.weight' in name:
                p.add_(torch.randn(p.shape, generator=g) * 0.05)
    path = str(tmp_path_factory.mktemp('ckpt') / 'model.pth')
    torch.save({'state_dict': model.state_dict()}, path)
    return path


def test_decoder_trace_is_the_models_prediction(checkpoint):
    from mmpose.apis import inference_topdown, init_model
    model = init_model(CONFIG, checkpoint, device='cpu')
    img = (np.random.default_rng(1).random((160, 120, 3)) * 255).astype(
        np.uint8)
    box = np.array([0, 0, 120, 160.])
    data, crop = demo.prepare_crop(model, img, box)
    trace = demo.decoder_trace(model, data['inputs'], level=1)
    k = model.head.num_keypoints
    nd = model.head.query_decoder.num_layers
    assert crop.shape == (128, 96, 3)
    assert trace['estimates'].shape == (nd + 1, 1, k, 2)
    assert trace['sampling'].shape == (1, k, 8, 4, 2)
    # y_0 is the learned initial matrix
    np.testing.assert_allclose(
        trace['estimates'][0, 0],
        model.head.query_decoder.initial_estimate().detach().numpy() *
        [96, 128], rtol=1e-5)
    # the last stage is the model's own plain prediction
    model.test_cfg['flip_test'] = False
    sample = inference_topdown(model, img, bboxes=box[None])[0]
    meta = sample.metainfo
    kpts = sample.pred_instances.keypoints[0]
    crop_kpts = (kpts - meta['input_center']) / meta['input_scale'] * \
        np.array(meta['input_size']) + 0.5 * np.array(meta['input_size'])
    np.testing.assert_allclose(trace['estimates'][-1, 0], crop_kpts,
                               atol=1e-3)
    # weights of one head over all levels and points sum to 1
    assert (trace['weights'] > 0).all()
    assert (trace['weights'].sum((-1)) < 1 + 1e-5).all()
    # sampling points are scattered around the reference (= y_{N_D - 1})
    ref = trace['estimates'][-2, 0]
    d = np.linalg.norm(trace['sampling'][0] - ref[:, None, None], axis=-1)
    assert np.median(d) < 96
    with pytest.raises(ValueError, match='not in the memory'):
        demo.decoder_trace(model, data['inputs'], level=0)


def test_q2q_attention_over_a_split(checkpoint, tiny_split):
    from mmpose.apis import init_model
    model = init_model(CONFIG, checkpoint, device='cpu')
    ds = model.cfg.val_dataloader.dataset.copy()
    ds.update(data_root=str(tiny_split), ann_file='ann.json',
              data_prefix=dict(img='img/'))
    att = demo.q2q_attention(model, ds, layers=[2, 3], max_samples=3,
                             batch_size=2)
    assert att['num_samples'] == 3
    assert att['matrices'].shape == (2, 17, 17)
    np.testing.assert_allclose(att['matrices'].sum(-1), 1, rtol=1e-5)
    with pytest.raises(ValueError, match='do not exist'):
        demo.q2q_attention(model, ds, layers=[4])


def test_main_writes_pngs(checkpoint, tiny_split, tmp_path):
    img = str(tiny_split / 'img' / '0.jpg')
    outs = demo.main([
        img, '--config', CONFIG, '--checkpoint', checkpoint, '--out-dir',
        str(tmp_path), '--split', 'val', '--max-samples', '3',
        '--cfg-options', f'val_dataloader.dataset.data_root={tiny_split}',
        'val_dataloader.dataset.ann_file=ann.json',
        'val_dataloader.dataset.data_prefix.img=img/'
    ])
    for key in ('sampling', 'refinement', 'q2q'):
        png = cv2.imread(outs[key])
        assert png is not None and png.shape[0] > 100 and png.shape[1] > 100
    assert np.load(tmp_path / 'q2q_attention.npy').shape == (2, 17, 17)
    with pytest.raises(SystemExit, match='not found'):
        demo.main(['missing.jpg', '--config', CONFIG, '--checkpoint',
                   checkpoint, '--out-dir', str(tmp_path)])
