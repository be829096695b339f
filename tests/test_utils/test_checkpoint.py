"""Checkpoints saved by `mim train mmpose` load under torch's weights_only
default: in `mim test`, `--resume`, `init_model` and `MMPoseInferencer`;
crafted checkpoints (real gadget files) and files that are no checkpoint at
all are refused with an error naming the file, and run no code.

One module-scoped fixture trains the quickstart config for one epoch on a
tiny SynthPose copy with the real `mim train`; the tests reuse its checkpoint.
"""
import os
import os.path as osp
import pickle
import re
import subprocess
import sys

import numpy as np
import pytest
import torch

from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader, load_checkpoint

import mmpose_tfx  # noqa: F401
from mmpose_tfx.utils import (CheckpointLoadError, checkpoint_safe_globals,
                              history_buffer_statistic)
from mmpose_tfx.utils.checkpoint import HISTORY_BUFFER_STATISTICS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(
    ROOT, 'configs', 'transpose',
    'td-hm_transpose-r18-s-a2_1xb32-2e_synthpose-128x96.py')
MIM = osp.join(osp.dirname(sys.executable), 'mim')


def _run(cmd, cwd):
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                          timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return out


def _cfg_options(data_root, max_epochs):
    return [
        '--cfg-options', f'train_dataloader.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}',
        f'test_dataloader.dataset.data_root={data_root}',
        f'val_evaluator.ann_file={data_root}/annotations/'
        'person_keypoints_val.json',
        f'test_evaluator.ann_file={data_root}/annotations/'
        'person_keypoints_val.json',
        f'train_cfg.max_epochs={max_epochs}',
        f'train_cfg.val_interval={max_epochs}',
        'train_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
        'val_dataloader.num_workers=0', 'test_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.persistent_workers=False',
        'test_dataloader.persistent_workers=False',
        'default_hooks.checkpoint.interval=1'
    ]


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('ckpt')
    data = str(tmp / 'synthpose')
    _run([sys.executable, osp.join(ROOT, 'tools/dataset/make_synthpose.py'),
          '--out', data, '--num-train', '8', '--num-val', '3', '--seed', '1',
          '--workers', '1'], ROOT)
    work = str(tmp / 'work')
    _run([MIM, 'train', 'mmpose', CONFIG, '--work-dir', work] +
         _cfg_options(data, 1), ROOT)
    ckpt = osp.join(work, 'epoch_1.pth')
    assert osp.isfile(ckpt)
    return dict(data=data, work=work, ckpt=ckpt, tmp=tmp)


def test_checkpoint_needs_the_allow_list(trained):
    """The saved checkpoint really carries numpy objects (so the stock torch
    default would reject it) and loads with weights_only=True here."""
    stock = subprocess.run(
        [sys.executable, '-c', 'import sys, torch; '
         'torch.load(sys.argv[1], map_location="cpu")', trained['ckpt']],
        capture_output=True, text=True)
    assert stock.returncode != 0 and 'Weights only load failed' in \
        stock.stderr, 'stock torch.load should reject it without the plugin'
    ckpt = torch.load(trained['ckpt'], map_location='cpu', weights_only=True)
    assert {'state_dict', 'meta', 'message_hub'} <= set(ckpt)
    sigmas = ckpt['meta']['dataset_meta']['sigmas']
    assert isinstance(sigmas, np.ndarray) and sigmas.shape == (17, )


class _Call:
    """Pickles as ``func(*args)`` (a REDUCE opcode), whatever ``func`` is:
    the building block of the gadget files below."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _builtin(name):
    """``getattr(getattr(getattr, '__self__'), name)``: the builtins module
    reached from ``getattr`` itself, then one of its functions."""
    return _Call(getattr, _Call(getattr, getattr, '__self__'), name)


def _rebuild_calls(func, *args):
    """torch's default-allowed ``_rebuild_from_type_v2(func, type, args,
    state)`` calls ``func(*args)``."""
    return _Call(torch._tensor._rebuild_from_type_v2, func, torch.Tensor,
                 args, {})


def _gadgets(marker):
    """name -> object whose unpickling would create ``marker``."""
    m = str(marker)
    return {
        'exec via _rebuild_from_type_v2':
        _rebuild_calls(_builtin('exec'), f'open({m!r}, "w").write("x")'),
        'eval via _rebuild_from_type_v2':
        _rebuild_calls(_builtin('eval'),
                       f'open({m!r}, "w").write("x")'),
        'os.system via __reduce__':
        _Call(os.system, f'touch {m}'),
        'getattr reaching the builtins module':
        _Call(getattr, getattr, '__self__'),
        "getattr reaching a function's __globals__":
        _Call(getattr, _Call(getattr, HistoryBuffer, 'min'), '__globals__'),
        'getattr of a non-statistics HistoryBuffer attribute':
        _rebuild_calls(_Call(getattr, HistoryBuffer, 'update'), 1),
    }


def _write_gadget(path, obj):
    torch.save({'state_dict': {}, 'meta': {}, 'x': obj}, path)


@pytest.mark.parametrize('name', list(_gadgets('m')))
def test_gadget_refused_without_side_effect(tmp_path, name):
    """Each gadget file is refused by ``torch.load`` (weights_only default)
    and by MMEngine's loader (CheckpointLoadError naming the file), and the
    marker file it would create never appears."""
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    _write_gadget(path, _gadgets(marker)[name])
    # the same file really runs its payload under a full unpickler
    if 'exec' in name or 'eval' in name or 'system' in name:
        try:
            torch.load(path, weights_only=False)
        except Exception:  # the payload ran before the rebuild failed
            pass
        assert marker.exists(), 'gadget does not work: the test is void'
        marker.unlink()
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    with pytest.raises(CheckpointLoadError, match=re.escape(str(path))):
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    model = torch.nn.Linear(2, 2)
    with pytest.raises(CheckpointLoadError, match='refused to load'):
        load_checkpoint(model, str(path), map_location='cpu')
    assert not marker.exists()


def test_restricted_getattr_resolves_only_statistics():
    for name in HISTORY_BUFFER_STATISTICS:
        assert history_buffer_statistic(HistoryBuffer, name) is getattr(
            HistoryBuffer, name)
    for obj, name in [(HistoryBuffer, 'update'), (HistoryBuffer, '__init__'),
                      (getattr, '__self__'), (np, 'load'),
                      (HistoryBuffer.min, '__globals__'),
                      (HistoryBuffer(), 'min')]:
        with pytest.raises(pickle.UnpicklingError, match='refused getattr'):
            history_buffer_statistic(obj, name)
    # the real getattr is not on the allow-list, under any name
    assert getattr not in [
        g[0] if isinstance(g, tuple) else g for g in checkpoint_safe_globals()
    ]


def test_history_buffer_round_trip(tmp_path):
    """What resume needs: a HistoryBuffer (statistics methods pickled as
    ``getattr(HistoryBuffer, 'min')``) loads with weights_only and keeps its
    values and methods."""
    buf = HistoryBuffer()
    for v in (1., 2., 4.):
        buf.update(v)
    path = tmp_path / 'hub.pth'
    torch.save({'buf': buf}, path)
    raw = path.read_bytes()
    assert b'getattr' in raw  # the reference the restricted getattr serves
    out = torch.load(path, weights_only=True)['buf']
    assert isinstance(out, HistoryBuffer)
    assert out.mean() == pytest.approx(7. / 3.) and out.max() == 4.
    assert out.statistics('min') == 1.


def test_not_a_checkpoint_names_the_file(tmp_path):
    text = tmp_path / 'notes.pth'
    text.write_text('this is not a checkpoint\n')
    with pytest.raises(CheckpointLoadError,
                       match=re.escape(str(text)) + '.*not a valid'):
        CheckpointLoader.load_checkpoint(str(text), map_location='cpu')
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    with pytest.raises(CheckpointLoadError, match=re.escape(str(empty))):
        CheckpointLoader.load_checkpoint(str(empty), map_location='cpu')
    with pytest.raises(FileNotFoundError):
        CheckpointLoader.load_checkpoint(str(tmp_path / 'missing.pth'))


class _NotAllowed:
    pass


def test_allow_list_is_narrow(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'x': _NotAllowed()}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    names = {
        getattr(g[0] if isinstance(g, tuple) else g, '__name__', str(g))
        for g in checkpoint_safe_globals()
    }
    assert {'_reconstruct', 'ndarray', 'dtype', 'HistoryBuffer',
            'history_buffer_statistic'} <= names


def test_mim_test_refuses_gadget_and_text_file(trained):
    """``mim test`` with a gadget checkpoint fails (non-zero exit, no AP) and
    the payload never runs; a text file renamed .pth is named as not a
    valid checkpoint."""
    tmp = trained['tmp']
    marker = tmp / 'pwned_by_mim_test'
    evil = tmp / 'epoch_evil.pth'
    _write_gadget(evil, _gadgets(marker)['exec via _rebuild_from_type_v2'])
    text = tmp / 'epoch_text.pth'
    text.write_text('not a checkpoint')
    for ckpt, expect in [(evil, 'refused to load checkpoint'),
                         (text, 'is not a valid checkpoint')]:
        proc = subprocess.run(
            [MIM, 'test', 'mmpose', CONFIG, '--checkpoint', str(ckpt),
             '--work-dir', str(tmp / 'evil_test')] +
            _cfg_options(trained['data'], 1),
            cwd=ROOT, capture_output=True, text=True, timeout=600)
        out = proc.stdout + proc.stderr
        assert proc.returncode != 0, out[-3000:]
        assert expect in out and str(ckpt) in out, out[-3000:]
        assert not re.search(r'coco/AP: [0-9.]+', out)
    assert not marker.exists()


def test_mim_test_round_trip(trained):
    out = _run([MIM, 'test', 'mmpose', CONFIG, '--checkpoint',
                trained['ckpt'], '--work-dir',
                osp.join(trained['work'], 'test')] +
               _cfg_options(trained['data'], 1), ROOT)
    assert 'Weights only load failed' not in out
    assert re.search(r'coco/AP: [0-9.]+', out), out[-2000:]


def test_resume(trained):
    work = str(trained['tmp'] / 'resume')
    out = _run([MIM, 'train', 'mmpose', CONFIG, '--work-dir', work,
                '--resume', trained['ckpt']] +
               _cfg_options(trained['data'], 2), ROOT)
    assert 'resumed epoch: 1' in out, out[-3000:]
    assert osp.isfile(osp.join(work, 'epoch_2.pth'))
    assert not osp.isfile(osp.join(work, 'epoch_1.pth'))  # not retrained


def test_init_model_and_inferencer_reload_identically(trained):
    from mmengine.config import Config
    from mmengine.runner import load_checkpoint
    from mmpose.apis import MMPoseInferencer, init_model
    from mmpose.registry import MODELS

    model = init_model(CONFIG, trained['ckpt'], device='cpu')
    cfg = Config.fromfile(CONFIG)
    ref = MODELS.build(cfg.model).eval()
    load_checkpoint(ref, trained['ckpt'], map_location='cpu')
    x = torch.randn(1, 3, 128, 96)
    with torch.no_grad():
        torch.testing.assert_close(
            model(x, None, mode='tensor'), ref(x, None, mode='tensor'), atol=0, rtol=0)
    sd = torch.load(trained['ckpt'], map_location='cpu')['state_dict']
    for k, v in model.state_dict().items():
        torch.testing.assert_close(v, sd[k], atol=0, rtol=0)

    img = osp.join(trained['data'], 'val', sorted(
        os.listdir(osp.join(trained['data'], 'val')))[0])
    inferencer = MMPoseInferencer(
        pose2d=CONFIG, pose2d_weights=trained['ckpt'],
        det_model='whole_image', device='cpu')
    vis_dir = str(trained['tmp'] / 'vis')
    result = next(inferencer(img, vis_out_dir=vis_dir))
    pred = result['predictions'][0][0]
    assert np.asarray(pred['keypoints']).shape == (17, 2)
    assert len(os.listdir(vis_dir)) == 1
