"""Every TransPose config builds and runs loss / predict / tensor modes on
CPU; flip test is exactly mirror-symmetric; parameter counts match the
paper."""
import glob
import math
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


COCO = {
    name[len('transpose-'):]:
    next(c for c in CONFIGS if f'{name}_' in c and 'coco' in c)
    for name in PAPER_PARAMS
}
QUICKSTART = next(c for c in CONFIGS if 'r18' in c)


def test_cosine_schedule_steps_once_per_epoch():
    """docs/transpose.md decision 3: the reference's
    ``CosineAnnealingLR(END_EPOCH, eta_min=LR_END)`` stepped after every
    epoch, i.e. epoch e trains at 1e-5 + (1e-4 - 1e-5) (1 + cos(pi e / T))
    / 2 throughout; ``convert_to_iter_based=True`` is the per-iteration
    switch (MMPose's habit, which the CPU quickstart keeps)."""
    from mmengine.optim.scheduler import CosineAnnealingLR
    for tp, path in COCO.items():
        cfg = _load(path)
        (sched, ) = cfg.param_scheduler
        t = cfg.train_cfg.max_epochs
        assert t == (230 if tp.startswith('r') else 240)
        assert sched.type == 'CosineAnnealingLR' and sched.by_epoch
        assert not sched.get('convert_to_iter_based', False)
        assert (sched.T_max, sched.end, sched.eta_min) == (t, t, 1e-5)
        assert cfg.optim_wrapper.optimizer == dict(type='Adam', lr=1e-4)
        opt = torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=1e-4)
        kwargs = {k: v for k, v in sched.items() if k != 'type'}
        scheduler = CosineAnnealingLR(opt, **kwargs)
        for epoch in range(t):
            lr = opt.param_groups[0]['lr']
            ref = 1e-5 + (1e-4 - 1e-5) * (1 + math.cos(math.pi * epoch / t)) / 2
            assert lr == pytest.approx(ref, rel=1e-9, abs=1e-12), epoch
            scheduler.step()
    # the switch: per iteration, halfway through epoch 1 of 230 the lr lies
    # between the values of epochs 1 and 2
    opt = torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=1e-4)
    sched = CosineAnnealingLR.build_iter_from_epoch(
        opt, eta_min=1e-5, by_epoch=True, begin=0, end=230, T_max=230,
        epoch_length=10)
    for _ in range(15):
        sched.step()
    lr = opt.param_groups[0]['lr']

    def at(e):
        return 1e-5 + 9e-5 * (1 + math.cos(math.pi * e / 230)) / 2

    assert lr == pytest.approx(at(1.5), rel=1e-6)
    assert at(2) < lr < at(1)
    mpii = _load(next(c for c in CONFIGS if 'mpii' in c))
    assert not mpii.param_scheduler[0].get('convert_to_iter_based', False)
    quick = _load(QUICKSTART)
    assert quick.param_scheduler[-1].convert_to_iter_based


def _init(path, **head_or_neck):
    cfg = _load(path)
    for part, overrides in head_or_neck.items():
        cfg.model[part].update(overrides)
    torch.manual_seed(0)
    return _build(cfg)


def test_tp_r_initialisation_is_the_references():
    """docs/transpose.md decision 1: the final 1x1 conv N(0, 0.001) with
    bias 0, the 4x4 deconvolution at PyTorch's default: kaiming-uniform with
    bound 1 / sqrt(fan_in), fan_in = 256 x 4 x 4 for a (256, 256, 4, 4)
    ConvTranspose2d weight, so std 1 / 64 / sqrt(3) = 0.0090. head.init_cfg
    = None is MMPose's default (deconvolution N(0, 0.001) too)."""
    path = COCO['r-a3']
    model = _init(path)
    deconv = model.head.deconv_layers[0].weight
    final = model.head.final_layer
    assert deconv.shape == (256, 256, 4, 4)
    assert deconv.abs().max().item() <= 1 / 64
    assert deconv.std().item() == pytest.approx(1 / 64 / math.sqrt(3),
                                                rel=0.02)
    assert final.weight.std().item() == pytest.approx(0.001, rel=0.05)
    assert (final.bias == 0).all()
    bn = model.head.deconv_layers[1]
    assert (bn.weight == 1).all() and (bn.bias == 0).all()
    # the neck's reduction keeps PyTorch's default for TP-R, as the reference
    assert _load(path).model.neck.get('input_proj_init_std') is None
    proj = model.neck.input_proj.weight  # (256, 512, 1, 1)
    assert proj.std().item() == pytest.approx(
        1 / math.sqrt(512) / math.sqrt(3), rel=0.05)
    mmpose = _init(path, head=dict(init_cfg=None))
    assert mmpose.head.deconv_layers[0].weight.std().item() == \
        pytest.approx(0.001, rel=0.05)
    # the quickstart keeps MMPose's initialisation (decision 4)
    quick = _load(QUICKSTART).model.head.init_cfg
    assert 'ConvTranspose2d' in quick[0].layer


@pytest.mark.parametrize('tp,width', [('h-s', 32), ('h-a4', 48)])
def test_tp_h_initialisation_is_the_references(tp, width):
    """docs/transpose.md decision 2: every convolution outside the
    pretrained backbone N(0, 0.001): the final 1x1 conv and the neck's
    1x1 reduction W -> d. input_proj_init_std=None is PyTorch's default
    (bound 1 / sqrt(W))."""
    path = COCO[tp]
    assert _load(path).model.neck.input_proj_init_std == 0.001
    model = _init(path)
    proj = model.neck.input_proj.weight
    assert proj.shape[1] == width
    assert proj.std().item() == pytest.approx(0.001, rel=0.1)
    final = model.head.final_layer
    assert final.weight.std().item() == pytest.approx(0.001, rel=0.1)
    default = _init(path, neck=dict(input_proj_init_std=None))
    proj = default.neck.input_proj.weight
    assert proj.abs().max().item() <= 1 / math.sqrt(width)
    assert proj.std().item() == pytest.approx(
        1 / math.sqrt(width) / math.sqrt(3), rel=0.1)
