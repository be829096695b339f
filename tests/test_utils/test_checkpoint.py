"""Checkpoints saved by `mim train mmpose` load under torch's weights_only
default: in `mim test`, `--resume`, `init_model` and `MMPoseInferencer`.

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

import mmpose_tfx  # noqa: F401
from mmpose_tfx.utils import checkpoint_safe_globals

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


class _NotAllowed:
    pass


class _WritesAFile:
    """Unpickles as ``numpy.ndarray.tofile(array, path)``: reached through the
    allow-listed ``getattr``, but calling it must still be refused."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return np.ndarray.tofile, (np.zeros(2), self.path)


def test_allow_list_is_narrow(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'x': _NotAllowed()}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    target = tmp_path / 'written'
    torch.save({'x': _WritesAFile(str(target))}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    assert not target.exists()
    names = {getattr(g, '__name__', str(g)) for g in checkpoint_safe_globals()}
    assert {'_reconstruct', 'ndarray', 'dtype', 'HistoryBuffer'} <= names


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
