"""Every LightPose config builds and runs loss / predict / tensor modes on
CPU with targets from its own codec; parameter counts match the paper
within 2%; flip test is exactly mirror-symmetric."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData, PixelData
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.testing import get_packed_inputs

import mmpose_tfx  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    f for f in glob.glob(osp.join(ROOT, 'configs', 'lightpose', '**', '*.py'),
                         recursive=True) if '_base_' not in f)
ALIAS = osp.join(ROOT, 'configs', 'lightpose_r50.py')
COCO_FLIP = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
MPII_FLIP = [5, 4, 3, 2, 1, 0, 6, 7, 8, 9, 15, 14, 13, 12, 11, 10]


pytestmark = pytest.mark.usefixtures('one_thread')


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


def _inputs(cfg, batch_size=1, seed=0):
    """Packed inputs whose targets are the config codec's encoding of random
    keypoints; input centre / scale make image and input frames equal."""
    codec = KEYPOINT_CODECS.build(cfg.model.head.decoder)
    w, h = codec.input_size
    k = cfg.model.head.out_channels
    packed = get_packed_inputs(
        batch_size, num_keypoints=k, img_shape=(h, w), input_size=(w, h),
        with_heatmap=False, with_reg_label=False, with_simcc_label=False)
    rng = np.random.RandomState(seed)
    for s in packed['data_samples']:
        kpt = np.stack([rng.uniform(0, w - 1, k),
                        rng.uniform(0, h - 1, k)], -1)[None]
        enc = codec.encode(kpt.astype(np.float32))
        s.gt_fields = PixelData(**{
            key: torch.from_numpy(v)
            for key, v in enc.items() if key != 'keypoint_weights'
        })
        s.gt_instance_labels = InstanceData(
            keypoint_weights=torch.from_numpy(enc['keypoint_weights']))
        s.set_metainfo(
            dict(flip_indices=COCO_FLIP if k == 17 else MPII_FLIP,
                 input_center=np.array([w / 2, h / 2], dtype=np.float32),
                 input_scale=np.array([w, h], dtype=np.float32)))
    return packed, codec


def test_configs_found():
    names = {osp.basename(c) for c in CONFIGS}
    for model in ('r50', 'w48'):
        for data in ('coco-256x192', 'coco-384x288', 'mpii-256x256'):
            assert f'td-hmoff_lightpose-{model}_4xb32-220e_{data}.py' in names
    for s in (4, 8, 16, 32):
        for t in ('hm', 'hmoff'):
            assert (f'td-{t}_lightpose-w48-noenc-os{s}_4xb32-220e_'
                    'coco-256x192.py') in names
    assert 'td-hm_lightpose-w48_4xb32-220e_coco-256x192.py' in names
    for t in ('hm', 'hmoff'):
        for s in (8, 16):
            assert f'td-{t}_lightpose-r18-os{s}_1xb32-2e_synthpose-128x96.py' \
                in names
    assert osp.isfile(ALIAS)


def test_alias_is_lightpose_r50_coco():
    alias = _load(ALIAS)
    target = _load(next(
        c for c in CONFIGS if osp.basename(c) ==
        'td-hmoff_lightpose-r50_4xb32-220e_coco-256x192.py'))
    assert alias.model == target.model
    assert alias.train_dataloader == target.train_dataloader
    assert alias.paper == target.paper


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds_and_runs(path):
    cfg = _load(path)
    assert cfg.custom_imports == dict(
        imports=['mmpose_tfx'], allow_failed_imports=False)
    torch.manual_seed(0)
    model = _build(cfg)
    packed, codec = _inputs(cfg)
    w, h = codec.input_size
    hw, hh = codec.heatmap_size
    k = cfg.model.head.out_channels
    with_offset = model.head.with_offset
    assert codec.use_offset == with_offset
    assert codec.stride == w // hw

    # parameters within 2% of the paper (where it gives them)
    params = sum(p.numel() for p in model.parameters()) / 1e6
    paper = cfg.paper.params_m
    if paper is not None:
        assert abs(params / paper - 1) < 0.02, (params, paper)

    model.train()
    data = model.data_preprocessor(packed, training=True)
    losses = model(**data, mode='loss')
    expected = {'loss_kpt', 'acc_pose'} | ({'loss_offset'}
                                           if with_offset else set())
    assert set(losses) == expected
    total = sum(v for n, v in losses.items() if n.startswith('loss'))
    assert torch.isfinite(total)
    total.backward()
    head_grads = [p.grad for p in model.head.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in head_grads)
    neck_grads = [p.grad for p in model.neck.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in neck_grads)

    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(packed, training=False)
        out = model(data['inputs'], None, mode='tensor')
        hm = out[0] if with_offset else out
        assert hm.shape == (1, k, hh, hw)
        if with_offset:
            assert out[1].shape == (1, 2 * k, hh, hw)
        preds = model(**data, mode='predict')
    assert cfg.model.test_cfg.flip_test
    inst = preds[0].pred_instances
    assert inst.keypoints.shape == (1, k, 2)
    assert inst.keypoint_scores.shape == (1, k)
    assert np.isfinite(inst.keypoints).all()


@pytest.mark.parametrize('name', [
    'td-hmoff_lightpose-r18-os16_1xb32-2e_synthpose-128x96.py',
    'td-hm_lightpose-r18-os16_1xb32-2e_synthpose-128x96.py',
    'td-hmoff_lightpose-r50_4xb32-220e_coco-256x192.py',
])
def test_flip_test_is_mirror_symmetric(name):
    """With flip test, the keypoints predicted on a mirrored crop are the
    mirrored (x -> w - 1 - x), left/right swapped keypoints of the crop."""
    cfg = _load(next(c for c in CONFIGS if osp.basename(c) == name))
    torch.manual_seed(0)
    model = _build(cfg).eval()
    packed, codec = _inputs(cfg)
    flipped, _ = _inputs(cfg)
    flipped['inputs'][0] = packed['inputs'][0].flip(-1)
    with torch.no_grad():
        a = model(**model.data_preprocessor(packed), mode='predict')[0]
        b = model(**model.data_preprocessor(flipped), mode='predict')[0]
    sa = a.pred_instances.keypoint_scores[:, COCO_FLIP]
    sb = b.pred_instances.keypoint_scores
    np.testing.assert_allclose(sb, sa, atol=1e-5)
    ka = a.pred_instances.keypoints.copy()
    ka[..., 0] = codec.input_size[0] - 1 - ka[..., 0]
    ka = ka[:, COCO_FLIP]
    # peaks <= 0 decode to -1 (MMPose's convention): compare the others
    found = (sa > 1e-4) & (sb > 1e-4)
    assert found.sum() >= 5
    np.testing.assert_allclose(b.pred_instances.keypoints[found], ka[found],
                               atol=1e-3)


def test_table6_parameter_arithmetic():
    """The encoder is 6 pre-norm layers (d 256, 8 heads, FFN 512): +3.16M
    over the 5.52M backbone (Table 6: 5.6M -> 8.8M, "+3.2M")."""
    by_name = {osp.basename(c): c for c in CONFIGS}
    counts = {}
    for name in ('td-hmoff_lightpose-w48-noenc-os16_4xb32-220e_'
                 'coco-256x192.py',
                 'td-hmoff_lightpose-w48_4xb32-220e_coco-256x192.py'):
        cfg = _load(by_name[name])
        model = MODELS.build(cfg.model)
        counts[name] = sum(p.numel() for p in model.parameters())
    noenc, full = counts.values()
    per_layer = (4 * 256 * 256 + 4 * 256) + (2 * 256 * 512 + 512 + 256) + \
        4 * 256
    assert per_layer == 527104
    # encoder = 6 layers + final LayerNorm + frozen 16x12 sine embedding
    assert full - noenc == 6 * per_layer + 2 * 256 + 16 * 12 * 256
