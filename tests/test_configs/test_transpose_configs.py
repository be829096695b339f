"""Every TransPose config builds and runs loss / predict / tensor modes on
CPU; flip test is exactly mirror-symmetric; parameter counts match the
paper."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS
from mmpose.testing import get_packed_inputs

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    f for f in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                         recursive=True)
    if '_base_' not in f and 'transpose' in osp.basename(f))
COCO_FLIP = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
MPII_FLIP = [5, 4, 3, 2, 1, 0, 6, 7, 8, 9, 15, 14, 13, 12, 11, 10]


def _load(path):
    cfg = Config.fromfile(path)
    init_default_scope('mmpose')
    return cfg


def _build(cfg):
    """Build and initialise without downloading ImageNet weights."""
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def _sizes(cfg):
    codec = cfg.model.head.decoder
    return tuple(codec.input_size), tuple(codec.heatmap_size)


def _inputs(cfg, batch_size=1):
    (w, h), hm = _sizes(cfg)
    k = cfg.model.head.out_channels
    packed = get_packed_inputs(
        batch_size, num_keypoints=k, img_shape=(h, w), input_size=(w, h),
        heatmap_size=hm, with_reg_label=False, with_simcc_label=False)
    for s in packed['data_samples']:
        s.set_metainfo(
            dict(flip_indices=COCO_FLIP if k == 17 else MPII_FLIP))
    return packed


def test_configs_found():
    names = {osp.basename(c) for c in CONFIGS}
    for tp in ('r-a3', 'r-a4', 'h-s', 'h-a4', 'h-a6'):
        assert any(f'transpose-{tp}_' in n and 'coco-256x192' in n
                   for n in names), tp
    assert any('mpii' in n for n in names)
    assert osp.join(ROOT, 'configs', 'transpose_h_a6.py') in CONFIGS


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds_and_runs(path):
    cfg = _load(path)
    assert cfg.custom_imports == dict(
        imports=['mmpose_tfx'], allow_failed_imports=False)
    torch.manual_seed(0)
    model = _build(cfg)
    packed = _inputs(cfg)
    (w, h), (hw, hh) = _sizes(cfg)
    k = cfg.model.head.out_channels

    model.train()
    data = model.data_preprocessor(packed, training=True)
    losses = model(**data, mode='loss')
    assert set(losses) >= {'loss_kpt', 'acc_pose'}
    assert torch.isfinite(losses['loss_kpt'])
    losses['loss_kpt'].backward()
    grads = [p.grad for p in model.neck.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)

    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(packed, training=False)
        heatmaps = model(data['inputs'], None, mode='tensor')
        assert heatmaps.shape == (1, k, hh, hw)
        preds = model(**data, mode='predict')
    assert cfg.model.test_cfg.flip_test
    inst = preds[0].pred_instances
    assert inst.keypoints.shape == (1, k, 2)
    assert inst.keypoint_scores.shape == (1, k)


@pytest.mark.parametrize('path', [
    c for c in CONFIGS if 'r18' in c or 'r-a3' in c or 'h-s' in c
], ids=osp.basename)
def test_flip_test_is_mirror_symmetric(path):
    """With flip test, heatmaps of a mirrored crop are the mirrored, left/right
    swapped heatmaps of the original crop (exactly, up to float error)."""
    cfg = _load(path)
    torch.manual_seed(0)
    model = _build(cfg).eval()
    model.test_cfg['output_heatmaps'] = True
    packed = _inputs(cfg)
    flipped = _inputs(cfg)
    flipped['inputs'][0] = packed['inputs'][0].flip(-1)
    with torch.no_grad():
        a = model(**model.data_preprocessor(packed), mode='predict')[0]
        b = model(**model.data_preprocessor(flipped), mode='predict')[0]
    ha = a.pred_fields.heatmaps
    hb = b.pred_fields.heatmaps
    torch.testing.assert_close(hb, ha.flip(-1)[COCO_FLIP], atol=1e-5,
                               rtol=1e-4)


PAPER_PARAMS = {
    'transpose-r-a3': 5.2,
    'transpose-r-a4': 6.0,
    'transpose-h-s': 8.0,
    'transpose-h-a4': 17.3,
    'transpose-h-a6': 17.5,
}


@pytest.mark.parametrize('name,paper', PAPER_PARAMS.items())
def test_parameter_count_matches_paper(name, paper):
    path = next(c for c in CONFIGS if f'{name}_' in c and 'coco' in c)
    cfg = _load(path)
    assert cfg.paper.params_m == paper
    model = MODELS.build(cfg.model)
    params = sum(p.numel() for p in model.parameters()) / 1e6
    assert abs(params / paper - 1) < 0.02, (name, params, paper)
