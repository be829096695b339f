"""Every LOFR config builds and runs loss / predict / tensor modes on the CPU
(paper-sized ones on a 64x48 crop); the recipe and the switches are what
the paper's tables vary; the semi-supervised and Sup-only configs label the
same instances."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData, PixelData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

from mmpose_tfx.codecs import ImageLevelKeypointLabel

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    f for f in glob.glob(osp.join(ROOT, 'configs', 'lofr', '**', '*.py'),
                         recursive=True) if '_base_' not in f)
QUICKSTART = osp.join(ROOT, 'configs', 'lofr',
                      'td-lf_lofr-r18_1xb32-2e_synthpose-128x96.py')
FLIPS = {17: [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15],
         16: [5, 4, 3, 2, 1, 0, 6, 7, 8, 9, 15, 14, 13, 12, 11, 10],
         14: [1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 12, 13]}

pytestmark = pytest.mark.usefixtures('one_thread')


def _load(path):
    cfg = Config.fromfile(path)
    init_default_scope('mmpose')
    return cfg


def _model(path):
    """Configs that differ only in the codec (semi-supervised fractions,
    presence mode) or in the input size of an SPE model (which has no
    size-dependent parameter) share one built model."""
    model_cfg = _load(path).model
    model_cfg.backbone.init_cfg = None
    key = model_cfg.copy()
    key.head = {k: v for k, v in model_cfg.head.items() if k != 'decoder'}
    if model_cfg.head.spe:
        key.head.pop('input_size')
    return _build(key.pretty_text if hasattr(key, 'pretty_text') else
                  repr(key), model_cfg)


_BUILT = {}


def _build(key, model_cfg):
    if key not in _BUILT:
        torch.manual_seed(0)
        model = MODELS.build(model_cfg)
        model.init_weights()
        _BUILT[key] = model
    return _BUILT[key]


def _batch(cfg, k, w=64, h=64, fraction=0.):
    codec = ImageLevelKeypointLabel(input_size=(w, h),
                                    heatmap_size=(w // 4, h // 4),
                                    labelled_fraction=fraction)
    rng = np.random.default_rng(0)
    samples = []
    for i in range(2):
        enc = codec.encode(rng.uniform(0, h - 1, (1, k, 2)),
                           (rng.uniform(size=(1, k)) > 0.3).astype(
                               np.float32), id=i)
        s = PoseDataSample()
        s.gt_instances = InstanceData(
            bboxes=np.array([[0., 0., w, h]], np.float32),
            bbox_scores=np.ones(1, np.float32))
        s.gt_instance_labels = InstanceData(**{
            n: torch.from_numpy(enc[n])
            for n in ('keypoint_presence', 'keypoint_weights',
                      'location_weight')
        })
        s.gt_fields = PixelData(heatmaps=torch.from_numpy(enc['heatmaps']))
        s.set_metainfo(dict(input_size=(w, h), flip_indices=FLIPS[k],
                            input_center=np.array([w / 2, h / 2]),
                            input_scale=np.array([w, h], np.float32)))
        samples.append(s)
    return torch.randn(2, 3, h, w), samples


def test_configs_found():
    names = {osp.basename(c) for c in CONFIGS}
    for bb in ('r50', 'hrnet-w32', 'hrnet-w48'):
        for size in ('256x192', '384x288'):
            assert f'td-lf_lofr-{bb}_4xb32-210e_coco-{size}.py' in names
    for n in ('td-lf_lofr-r50_4xb32-160e_mpii-256x256.py',
              'td-lf_lofr-r50_4xb32-210e_crowdpose-256x192.py',
              'td-lf_lofr-baseline-r50_4xb32-210e_coco-256x192.py'):
        assert n in names
    assert sum('ablations' in c for c in CONFIGS) == 14  # Tables 5 and 6
    assert sum('/semi/' in c for c in CONFIGS) == 12  # Table 4


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds_and_runs(path):
    cfg = _load(path)
    model = _model(path)
    k = cfg.model.head.num_keypoints
    frac = cfg.train_pipeline[-2].encoder.labelled_fraction
    x, samples = _batch(cfg, k, fraction=frac)
    model.eval()
    with torch.no_grad():
        maps, logits = model(x, None, mode='tensor')
    assert maps.shape == (2, k, 16, 16) and logits.shape == (2, k)
    torch.testing.assert_close(maps.sum((2, 3)), torch.ones(2, k))
    model.train()
    losses = model(x, samples, mode='loss')
    assert {'loss_cls_cnn', 'loss_cls_enc', 'loss_cls_dec',
            'loss_div'} <= set(losses)
    assert all(torch.isfinite(v) for v in losses.values())
    if frac > 0:
        assert 'loss_sup_heatmap' in losses
    if path == QUICKSTART:
        sum(v for n, v in losses.items() if n.startswith('loss')).backward()
        # the local read-out (decision 8) reads the last decoder layer's
        # attention weights, not its output: exactly that layer's value
        # projection, FFN and norms get no gradient (the configs set
        # find_unused_parameters for DDP); every other parameter a finite one
        last = f'head.decoder_layers.{cfg.model.head.num_decoder_layers - 1}.'
        unread = {last + n for n in (
            'cross_attn.out_proj.weight', 'cross_attn.out_proj.bias',
            'norm2.weight', 'norm2.bias', 'linear1.weight', 'linear1.bias',
            'linear2.weight', 'linear2.bias', 'norm3.weight', 'norm3.bias')}
        assert cfg.find_unused_parameters
        for name, p in model.named_parameters():
            if name in unread:
                assert p.grad is None, name
            else:
                assert p.grad is not None and \
                    torch.isfinite(p.grad).all(), name
        model.zero_grad()
    model.eval()
    with torch.no_grad():
        preds = model(x, samples, mode='predict')
    inst = preds[0].pred_instances
    assert inst.keypoints.shape == (1, k, 2)
    assert ((inst.keypoint_scores > 0) & (inst.keypoint_scores < 1)).all()


def test_recipe_is_the_papers():
    for path in CONFIGS:
        if 'synthpose' in path:
            continue
        cfg = _load(path)
        opt = cfg.optim_wrapper
        assert opt.optimizer.type == 'Adam' and opt.optimizer.lr == 4e-3
        assert opt.optimizer.weight_decay == 1e-4
        keys = opt.paramwise_cfg.custom_keys
        assert keys['head.encoder'].lr_mult == 0.1
        assert keys['head.decoder_layers'].lr_mult == 0.1
        aug = {t.type: t for t in cfg.train_pipeline}
        assert tuple(aug['RandomBBoxTransform'].scale_factor) == (0.65, 1.35)
        assert aug['RandomBBoxTransform'].rotate_prob == 0
        assert 'RandomFlip' in aug and 'RandomHalfBody' not in aug
        head = cfg.model.head
        assert (head.embed_dims, head.num_heads) == (256, 8)
        w = head.loss_weights
        if 'baseline' not in path:
            assert (w.alpha, w.alpha1, w.alpha2, w.beta) == (0.2, 0.2, 0.5,
                                                             0.1)
        assert cfg.model.test_cfg.flip_test
        epochs = 160 if 'mpii' in path else 210
        assert cfg.train_cfg.max_epochs == epochs
    for name, (en, de) in {'en2de2': (2, 2), 'en4de6': (4, 6),
                           'en6de4': (6, 4)}.items():
        (path, ) = [c for c in CONFIGS if name in c]
        head = _load(path).model.head
        assert (head.num_encoder_layers, head.num_decoder_layers) == (en, de)


def test_sup_only_trains_on_the_labelled_instances_of_ws(tmp_path):
    """The Sup-only subset = the instances the WS codec labels."""
    from mmpose_tfx.codecs import is_location_labelled
    from mmpose_tfx.datasets import LocationLabelledSubset
    import json
    anns = [dict(id=1000 + i, image_id=1, category_id=1,
                 bbox=[1, 1, 40, 60], area=2400, iscrowd=0, num_keypoints=1,
                 keypoints=[10, 10, 2] + [0] * 48) for i in range(200)]
    ann = dict(images=[dict(id=1, file_name='a.jpg', width=64, height=64)],
               annotations=anns, categories=[dict(id=1, name='person')])
    (tmp_path / 'ann.json').write_text(json.dumps(ann))
    init_default_scope('mmpose')
    subset = LocationLabelledSubset(
        dataset=dict(type='CocoDataset', data_root=str(tmp_path),
                     ann_file='ann.json', data_prefix=dict(img=''),
                     pipeline=[]),
        labelled_fraction=0.25, split_seed=0)
    ids = [subset.get_data_info(i)['id'] for i in range(len(subset))]
    expected = [a['id'] for a in anns
                if is_location_labelled(a['id'], 0.25, 0)]
    assert ids == expected and 25 <= len(ids) <= 75
