"""Every TFPose config builds and runs loss / predict / tensor modes on the
CPU; the recipe (optimizer, learning rates per part through MMEngine's
paramwise_cfg, schedule, augmentation, lambda) is the paper's; the level
choice and the ablation switches are what the tables vary; flip test is
exactly mirror-symmetric end to end."""
import glob
import os.path as osp
from functools import lru_cache

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmpose.registry import MODELS
from mmpose.testing import get_packed_inputs

from mmpose_tfx.codecs import RegressionAuxHeatmapLabel

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    glob.glob(osp.join(ROOT, 'configs', 'tfpose', '*.py')) +
    glob.glob(osp.join(ROOT, 'configs', 'tfpose', 'ablations', '*.py')))
COCO_FLIP = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
MPII_FLIP = [5, 4, 3, 2, 1, 0, 6, 7, 8, 9, 15, 14, 13, 12, 11, 10]
QUICKSTART = osp.join(ROOT, 'configs', 'tfpose',
                      'td-reg_tfpose-r18-e2d3_1xb32-2e_synthpose-128x96.py')
R50_E4 = osp.join(ROOT, 'configs', 'tfpose',
                  'td-reg_tfpose-r50-e4d6_4xb32-210e_coco-256x192.py')

pytestmark = pytest.mark.usefixtures('one_thread')


def _load(path):
    cfg = Config.fromfile(path)
    init_default_scope('mmpose')
    return cfg


@lru_cache(maxsize=None)
def _model(path):
    cfg = _load(path)
    cfg.model.backbone.init_cfg = None
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def _inputs(cfg, batch_size=1, small=False, center_crop=False):
    """Packed inputs encoded by the config's own codec; ``small`` runs the
    same model on a 64-pixel-high crop (a multiple of 32, as the auxiliary
    branch needs) to keep the suite fast."""
    codec_cfg = dict(cfg.model.head.decoder)
    w, h = codec_cfg['input_size']
    if small:
        w, h = w * 64 // h, 64
        w -= w % 32
    k = cfg.model.head.num_keypoints
    packed = get_packed_inputs(
        batch_size, num_keypoints=k, img_shape=(h, w), input_size=(w, h),
        heatmap_size=(w // 4, h // 4), with_heatmap=False,
        with_reg_label=False, with_simcc_label=False)
    codec_cfg.pop('type')
    codec_cfg.update(input_size=(w, h), heatmap_size=(w // 4, h // 4))
    codec = RegressionAuxHeatmapLabel(**codec_cfg)
    rng = np.random.default_rng(0)
    for s in packed['data_samples']:
        kpts = rng.uniform([0, 0], [w - 1, h - 1], (1, k, 2))
        vis = (rng.uniform(size=(1, k)) > 0.2).astype(np.float32)
        enc = codec.encode(kpts, vis)
        s.gt_instance_labels.keypoint_labels = torch.from_numpy(
            enc['keypoint_labels'])
        s.gt_instance_labels.keypoint_weights = torch.from_numpy(
            enc['keypoint_weights'])
        s.gt_instance_labels.heatmap_keypoint_weights = torch.from_numpy(
            enc['heatmap_keypoint_weights'])
        s.gt_fields = PixelData(heatmaps=torch.from_numpy(enc['heatmaps']))
        s.set_metainfo(dict(flip_indices=COCO_FLIP if k == 17 else MPII_FLIP,
                            input_size=(w, h)))
        if center_crop:
            s.set_metainfo(dict(input_center=np.array([w / 2, h / 2]),
                                input_scale=np.array([w, h], np.float32)))
    return packed


def test_configs_found():
    names = {osp.basename(c) for c in CONFIGS}
    for n in ('td-reg_tfpose-r50-e4d6_4xb32-210e_coco-256x192.py',
              'td-reg_tfpose-r50-e6d6_4xb32-210e_coco-256x192.py',
              'td-reg_tfpose-r50-e6d6_4xb32-210e_coco-384x288.py',
              'td-reg_tfpose-r50-e6d6_4xb32-210e_mpii-256x256.py',
              'td-reg_tfpose-r18-e0d6-noq2q_4xb32-210e_coco-256x192.py',
              'td-reg_tfpose-r18-e0d6_4xb32-210e_coco-256x192.py',
              'td-reg_tfpose-r18-e0d6-c128_4xb32-210e_coco-256x192.py',
              'td-reg_tfpose-r18-e6d6-aux_4xb32-210e_coco-256x192.py',
              osp.basename(QUICKSTART)):
        assert n in names, n
    for nd in range(1, 7):
        assert f'td-reg_tfpose-r18-e6d{nd}_4xb32-210e_coco-256x192.py' in \
            names


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds_and_runs(path):
    """tensor / loss / predict (flip test) on the CPU; full input size for
    the quickstart and R50 N_E = 4, a 64-pixel-high crop otherwise."""
    cfg = _load(path)
    assert cfg.custom_imports == dict(
        imports=['mmpose_tfx'], allow_failed_imports=False)
    model = _model(path)
    full = path in (QUICKSTART, R50_E4)
    packed = _inputs(cfg, small=not full)
    k = cfg.model.head.num_keypoints
    nd = cfg.model.head.query_decoder.num_layers
    x = packed['inputs'][0][None].float()
    model.eval()
    with torch.no_grad():
        coords = model(x, None, mode='tensor')
    assert coords.shape == (nd, 1, k, 2)
    assert ((coords > 0) & (coords < 1)).all()

    model.train()
    data = model.data_preprocessor(packed, training=True)
    losses = model(**data, mode='loss')
    names = {'loss_kpt', 'acc_pose'} | {f'd{i}.loss_kpt'
                                        for i in range(nd - 1)}
    if cfg.model.head.aux_head is not None:
        names.add('loss_aux_heatmap')
    assert set(losses) == names
    assert all(torch.isfinite(v) for v in losses.values())
    if path == QUICKSTART:
        sum(v for n, v in losses.items() if 'loss' in n).backward()
        for name, p in model.named_parameters():
            assert p.grad is not None and torch.isfinite(p.grad).all(), name
        model.zero_grad()

    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(packed, training=False)
        preds = model(**data, mode='predict')
    assert cfg.model.test_cfg.flip_test
    inst = preds[0].pred_instances
    assert inst.keypoints.shape == (1, k, 2)
    assert ((inst.keypoint_scores > 0) & (inst.keypoint_scores <= 1)).all()


def test_recipe_is_the_papers():
    for path in CONFIGS:
        cfg = _load(path)
        head = cfg.model.head
        neck = cfg.model.neck
        dec = head.query_decoder
        if 'synthpose' in path:
            continue
        opt = cfg.optim_wrapper
        assert opt.optimizer.type == 'AdamW'
        assert opt.optimizer.lr == 4e-3
        assert tuple(opt.optimizer.betas) == (0.9, 0.999)
        assert opt.optimizer.weight_decay == 1e-4
        assert 'clip_grad' not in opt or opt.clip_grad is None
        assert cfg.param_scheduler[-1].type == 'CosineAnnealingLR'
        assert cfg.train_cfg.max_epochs == 210
        aug = {t.type: t for t in cfg.train_pipeline}
        assert aug['RandomBBoxTransform'].rotate_factor == 40
        assert tuple(aug['RandomBBoxTransform'].scale_factor) == (0.5, 1.5)
        assert 'RandomHalfBody' in aug and 'RandomFlip' in aug
        assert aug['TopdownAffine'].use_udp
        assert cfg.val_pipeline[-2].use_udp
        assert head.decoder.type == 'RegressionAuxHeatmapLabel'
        assert (neck.num_heads, neck.num_points) == (8, 4)
        assert (dec.num_heads, dec.num_points) == (8, 4)
        assert dec.num_levels == len(neck.in_channels)
        # the levels (decision 1): C3-C5 with an encoder, C2-C5 without
        assert tuple(neck.in_indices) == (
            (1, 2, 3) if neck.num_layers > 0 else (0, 1, 2, 3))
        if head.aux_head is not None:
            assert head.aux_head.loss.loss_weight == 50.
            assert tuple(head.aux_head.deconv_out_channels) == (256, ) * 3
        assert cfg.model.test_cfg.flip_test
    ne = {osp.basename(p).split('_')[1]: _load(p).model.neck.num_layers
          for p in CONFIGS if 'r50' in p}
    assert ne['tfpose-r50-e4d6'] == 4 and ne['tfpose-r50-e6d6'] == 6


def test_paramwise_learning_rates():
    """MMEngine's optimizer constructor puts the transformer (encoder,
    level embedding, decoder with its queries, y_0 and refinement MLPs) at
    lr x 0.1 and the backbone, projections and auxiliary branch at lr."""
    cfg = _load(R50_E4)
    model = _model(R50_E4)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    lr_of = {}
    for group in wrapper.optimizer.param_groups:
        for p in group['params']:
            lr_of[id(p)] = group['lr']
    slow = ('neck.encoder.', 'neck.level_embed', 'head.query_decoder.')
    seen = set()
    for name, p in model.named_parameters():
        expected = 4e-4 if name.startswith(slow) else 4e-3
        assert lr_of[id(p)] == pytest.approx(expected), name
        seen.add(name.split('.')[0] + '.' + name.split('.')[1])
    assert {'neck.encoder', 'neck.input_proj', 'head.query_decoder',
            'head.aux_head', 'backbone.conv1'} <= seen
    # the CPU quickstart trains every part at one lr (2 epochs from scratch)
    quick = _load(QUICKSTART).optim_wrapper
    assert not quick.get('paramwise_cfg')


def test_ablation_switches():
    abl = osp.join(ROOT, 'configs', 'tfpose', 'ablations')
    noq2q = _model(osp.join(
        abl, 'td-reg_tfpose-r18-e0d6-noq2q_4xb32-210e_coco-256x192.py'))
    q2q = _model(osp.join(
        abl, 'td-reg_tfpose-r18-e0d6_4xb32-210e_coco-256x192.py'))
    c128 = _model(osp.join(
        abl, 'td-reg_tfpose-r18-e0d6-c128_4xb32-210e_coco-256x192.py'))
    assert noq2q.neck.encoder is None and q2q.neck.encoder is None
    assert not any(hasattr(l, 'self_attn')
                   for l in noq2q.head.query_decoder.layers)
    assert all(hasattr(l, 'self_attn') for l in q2q.head.query_decoder.layers)
    assert c128.neck.embed_dims == 128
    assert c128.head.query_decoder.embed_dims == 128
    for nd in range(1, 7):
        m = _model(osp.join(
            abl, f'td-reg_tfpose-r18-e6d{nd}_4xb32-210e_coco-256x192.py'))
        assert len(m.head.query_decoder.layers) == nd
        assert m.head.aux_head is None and m.neck.num_layers == 6
    aux = _model(osp.join(
        abl, 'td-reg_tfpose-r18-e6d6-aux_4xb32-210e_coco-256x192.py'))
    assert aux.head.aux_head is not None


def test_flip_test_is_mirror_symmetric_end_to_end():
    cfg = _load(QUICKSTART)
    model = _model(QUICKSTART).eval()
    w, _ = cfg.model.head.decoder.input_size
    packed = _inputs(cfg, center_crop=True)
    mirrored = _inputs(cfg, center_crop=True)
    mirrored['inputs'][0] = packed['inputs'][0].flip(-1)
    with torch.no_grad():
        a = model(**model.data_preprocessor(packed), mode='predict')[0]
        b = model(**model.data_preprocessor(mirrored), mode='predict')[0]
    ka = a.pred_instances.keypoints[0]
    kb = b.pred_instances.keypoints[0]
    expected = ka[COCO_FLIP].copy()
    expected[:, 0] = w - 1 - expected[:, 0]
    np.testing.assert_allclose(kb, expected, atol=2e-3)
    np.testing.assert_allclose(b.pred_instances.keypoint_scores[0],
                               a.pred_instances.keypoint_scores[0][COCO_FLIP],
                               atol=1e-5)
