"""Official-checkpoint converters (tools/model_converters/): every key of the
reference state dicts (names and shapes from
tests/fixtures/model_converters/, random values) is mapped, every parameter
and buffer of the config's model is filled, the converted model runs, and
the written checkpoint loads strictly in MMEngine / MMPose with the
dataset's keypoint metainfo. Unmapped, missing and mis-shaped keys are
errors that name them."""
import gzip
import json
import os.path as osp
import sys
from collections import OrderedDict
from functools import lru_cache

import pytest
import torch
from mmengine.runner import load_checkpoint

from mmpose_tfx.converters import (PRTR_RULES, TRANSPOSE_RULES,
                                   ConversionError, build_model,
                                   convert_prtr, convert_state_dict,
                                   convert_transpose, extract_state_dict,
                                   load_official_checkpoint, map_keys)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FIXTURE = osp.join(ROOT, 'tests', 'fixtures', 'model_converters',
                   'reference_state_dicts.json.gz')
PRTR = 'configs/prtr/td-reg_prtr-{}-200e_coco-{}.py'
TP = 'configs/transpose/td-hm_transpose-{}_coco-256x192.py'

# fixture entry -> this project's config(s) of the same model
CASES = [
    ('prtr_res50', PRTR.format('r50_4xb32', '384x288')),
    ('prtr_res50', PRTR.format('r50_4xb32', '512x384')),
    ('prtr_res101', PRTR.format('r101_4xb32', '384x288')),
    ('prtr_res101', PRTR.format('r101_4xb32', '512x384')),
    ('prtr_hrnet_w32', PRTR.format('hrnet-w32_4xb16', '384x288')),
    ('prtr_hrnet_w32', PRTR.format('hrnet-w32_4xb16', '512x384')),
    ('tp_r_a3', TP.format('r-a3_4xb32-230e')),
    ('tp_r_a4', TP.format('r-a4_4xb32-230e')),
    ('tp_h_s', TP.format('h-s_4xb32-240e')),
    ('tp_h_a4', TP.format('h-a4_4xb32-240e')),
    ('tp_h_a6', TP.format('h-a6_4xb32-240e')),
]

pytestmark = pytest.mark.usefixtures('one_thread')


@lru_cache(maxsize=None)
def _fixture():
    with gzip.open(FIXTURE, 'rt') as f:
        return json.load(f)['models']


def _rules(name):
    return PRTR_RULES if name.startswith('prtr') else TRANSPOSE_RULES


def _official(name, seed=0):
    """A state dict with the reference's exact names and shapes, random
    values (running variances positive, counters integer)."""
    g = torch.Generator().manual_seed(seed)
    state = OrderedDict()
    for key, shape in _fixture()[name]['keys']:
        if key.endswith('num_batches_tracked'):
            state[key] = torch.tensor(7)
        elif key.endswith('running_var'):
            state[key] = torch.rand(shape, generator=g) + 0.5
        else:
            state[key] = torch.randn(shape, generator=g) * 0.02
    return state


@lru_cache(maxsize=None)
def _model(config):
    model, _ = build_model(osp.join(ROOT, config))
    return model.eval()


def test_fixture_lists_every_released_model():
    assert set(_fixture()) == {name for name, _ in CASES}
    for name, entry in _fixture().items():
        keys = [k for k, _ in entry['keys']]
        assert len(keys) == len(set(keys)) > 100, name


@pytest.mark.parametrize('name,config', CASES,
                         ids=[osp.basename(c)[:-3] for _, c in CASES])
def test_conversion_covers_every_key_both_ways(name, config):
    state = _official(name)
    model = _model(config)
    mapped, origin = map_keys(state, _rules(name))
    assert len(mapped) == len(state)  # every official key, none dropped
    assert sorted(origin.values()) == sorted(state)
    converted = convert_state_dict(state, _rules(name), model)
    expected = model.state_dict()
    assert list(converted) == list(expected)  # every model key, in order
    filled = [k for k in converted if k not in mapped]
    # only the BN counters DETR's FrozenBatchNorm2d lacks (PRTR's ResNets)
    assert all(k.endswith('.num_batches_tracked') for k in filled)
    if name in ('prtr_res50', 'prtr_res101'):
        assert filled and all((converted[k] == 0).all() for k in filled)
    else:
        assert not filled
    for key, value in mapped.items():
        assert converted[key].shape == expected[key].shape
        torch.testing.assert_close(converted[key], value, rtol=0, atol=0)
    if name.startswith('tp'):  # (L, 1, d) -> (1, L, d)
        torch.testing.assert_close(converted['neck.pos_embed'][0],
                                   state['pos_embedding'][:, 0])
        torch.testing.assert_close(converted['neck.input_proj.weight'],
                                   state['reduce.weight'])
    else:
        torch.testing.assert_close(
            converted['head.transformer.decoder_layers.5.cross_attn.'
                      'in_proj_weight'],
            state['transformer.decoder.layers.5.multihead_attn.'
                  'in_proj_weight'])
        torch.testing.assert_close(converted['head.cls_head.weight'],
                                   state['class_embed.weight'])

    if '512x384' in config:
        return  # same model as the 384x288 one, which runs below
    model.load_state_dict(converted, strict=True)
    with torch.no_grad():
        out = model(torch.randn(1, 3, 128, 96), None, mode='tensor')
    if name.startswith('prtr'):
        logits, coords = out
        assert logits.shape == (6, 1, 100, 18) and coords.shape == (6, 1,
                                                                     100, 2)
        assert torch.isfinite(logits).all() and torch.isfinite(coords).all()
    else:
        assert out.shape == (1, 17, 32, 24) and torch.isfinite(out).all()


@pytest.mark.parametrize('name,config,convert', [
    ('tp_r_a3', TP.format('r-a3_4xb32-230e'), convert_transpose),
    ('prtr_res50', PRTR.format('r50_4xb32', '384x288'), convert_prtr),
])
def test_written_checkpoint_loads_in_mmpose(name, config, convert,
                                            tmp_path):
    """state_dict + meta.dataset_meta; MMEngine's load_checkpoint with
    strict=True (what mim test loads, without missing / unexpected keys)
    and MMPose's init_model (keypoint names from the checkpoint), both
    through torch's weights_only loader."""
    from mmpose.apis import inference_topdown, init_model
    src = tmp_path / 'official.pth'
    # as the reference saves them: PRTR's full checkpoint holds
    # DataParallel-prefixed 'state_dict' and the plain 'best_state_dict'
    official = _official(name)
    if name.startswith('prtr'):
        torch.save(
            dict(epoch=200, model='pose_transformer', perf=0.68,
                 state_dict=OrderedDict(
                     ('module.' + k, v) for k, v in official.items()),
                 best_state_dict=official), src)
    else:
        torch.save(official, src)
    dst = tmp_path / 'mmpose.pth'
    info = convert(str(src), str(dst), osp.join(ROOT, config))
    assert info['dataset_name'] == 'coco'
    assert ('note' in info) == name.startswith('prtr')  # BGR ResNets
    ckpt = torch.load(dst, map_location='cpu', weights_only=True)
    assert set(ckpt) == {'state_dict', 'meta'}
    meta = ckpt['meta']['dataset_meta']
    assert meta['num_keypoints'] == 17
    assert meta['keypoint_id2name'][0] == 'nose'
    assert meta['flip_indices'][1] == 2

    model, _ = build_model(osp.join(ROOT, config))
    load_checkpoint(model, str(dst), map_location='cpu', strict=True)
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, ckpt['state_dict'][key])

    pose = init_model(osp.join(ROOT, config), str(dst), device='cpu')
    assert pose.dataset_meta['keypoint_id2name'][16] == 'right_ankle'
    if name.startswith('tp'):
        import numpy as np
        img = np.zeros((64, 48, 3), np.uint8)
        (result, ) = inference_topdown(pose, img)
        assert result.pred_instances.keypoints.shape == (1, 17, 2)


def test_unmapped_missing_and_misshaped_keys_are_named():
    model = _model(TP.format('r-a3_4xb32-230e'))
    state = _official('tp_r_a3')
    extra = OrderedDict(state)
    extra['global_encoder.norm.weight'] = torch.ones(256)
    with pytest.raises(ConversionError, match=r'no counterpart.*'
                       r"'global_encoder\.norm\.weight'"):
        convert_state_dict(extra, TRANSPOSE_RULES, model)
    missing = OrderedDict(state)
    del missing['layer2.3.bn3.running_var']
    with pytest.raises(ConversionError,
                       match=r'not in the official checkpoint: '
                       r"'backbone\.layer2\.3\.bn3\.running_var'"):
        convert_state_dict(missing, TRANSPOSE_RULES, model)
    wrong = OrderedDict(state)
    wrong['final_layer.weight'] = torch.zeros(16, 256, 1, 1)
    with pytest.raises(ConversionError,
                       match=r'shape mismatch.*final_layer\.weight '
                       r'\(16, 256, 1, 1\) -> head\.final_layer\.weight '
                       r'\(17, 256, 1, 1\)'):
        convert_state_dict(wrong, TRANSPOSE_RULES, model)
    # the A4 checkpoint on the A3 config: its 4th layer has no place
    a4 = _official('tp_r_a4')
    with pytest.raises(ConversionError, match=r'global_encoder\.layers\.3\.'
                       r'.* -> neck\.layers\.3\.'):
        convert_state_dict(a4, TRANSPOSE_RULES, model)
    bad_pos = OrderedDict(state)
    bad_pos['pos_embedding'] = torch.zeros(768, 256)
    with pytest.raises(ConversionError, match="'pos_embedding'.*(L, 1, d)"):
        convert_state_dict(bad_pos, TRANSPOSE_RULES, model)


def test_state_dict_wrappers_and_unreadable_files(tmp_path):
    t = torch.zeros(2)
    plain = extract_state_dict({'a.weight': t})
    assert list(plain) == ['a.weight']
    for wrapped in ({'state_dict': {'module.a.weight': t}},
                    {'best_state_dict': {'a.weight': t},
                     'state_dict': {'module.b': t}, 'epoch': 3},
                    {'model': {'a.weight': t}, 'optimizer': {}}):
        assert list(extract_state_dict(wrapped)) == ['a.weight']
    # the reference's older 'backbone.body.' spelling (its model_key_helper)
    mapped, _ = map_keys({'backbone.body.conv1.weight': t}, PRTR_RULES)
    assert list(mapped) == ['backbone.conv1.weight']
    with pytest.raises(ConversionError, match='not tensors'):
        extract_state_dict({'a.weight': t, 'epoch': 3})
    with pytest.raises(ConversionError, match='no state dict'):
        extract_state_dict([t])
    with pytest.raises(ConversionError, match='not found'):
        load_official_checkpoint(str(tmp_path / 'missing.pth'))
    junk = tmp_path / 'junk.pth'
    junk.write_bytes(b'not a checkpoint')
    with pytest.raises(ConversionError, match='junk.pth could not be loaded'):
        load_official_checkpoint(str(junk))


def test_command_line(tmp_path, capsys):
    sys.path.insert(0, osp.join(ROOT, 'tools', 'model_converters'))
    try:
        from _common import main
    finally:
        sys.path.pop(0)
    src = tmp_path / 'official.pth'
    torch.save(_official('tp_r_a3'), src)
    dst = tmp_path / 'out.pth'
    config = osp.join(ROOT, TP.format('r-a3_4xb32-230e'))
    assert main('', 'convert_transpose',
                [str(src), str(dst), '--config', config]) == 0
    assert 'wrote' in capsys.readouterr().out and dst.is_file()
    wrong = osp.join(ROOT, TP.format('r-a4_4xb32-230e'))
    assert main('', 'convert_transpose',
                [str(src), str(tmp_path / 'x.pth'), '--config', wrong]) == 1
    err = capsys.readouterr().err
    assert err.startswith('error: ') and 'neck.layers.3' in err
    assert not (tmp_path / 'x.pth').exists()
