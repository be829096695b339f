"""Distributed training of every family's CPU quickstart config: 2 gloo
processes through MMEngine's Runner (tools/dist_cpu_train.py). Both ranks
finish (DDP raises on the second step if a parameter got no gradient in the
first), hold identical parameters at the end, and the checkpoint reloads and
predicts. No config sets find_unused_parameters: every family uses all its
parameters in every step (docs: the zero-weight keypoint stage of the
end-to-end PRTR on images without people, the always-computed auxiliary
branch of TFPose)."""
import glob
import math
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
QUICKSTARTS = [
    'configs/transpose/td-hm_transpose-r18-s-a2_1xb32-2e_synthpose-128x96.py',
    'configs/lightpose/td-hmoff_lightpose-r18-os16_1xb32-2e_synthpose-'
    '128x96.py',
    'configs/prtr/td-reg_prtr-r18_1xb16-5e_synthpose-64x48.py',
    'configs/tfpose/td-reg_tfpose-r18-e2d3_1xb32-2e_synthpose-128x96.py',
    'configs/lofr/td-lf_lofr-r18_1xb32-2e_synthpose-128x96.py',
    'configs/prtr/prtr-e2e_res18_1xb16-24e_synthpose-128x128.py',
]


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('ddp')
    data = str(tmp / 'synthpose')
    subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools/dataset/make_synthpose.py'),
         '--out', data, '--num-train', '8', '--num-val', '2', '--seed', '3',
         '--workers', '1'], cwd=ROOT, check=True, capture_output=True)
    work = str(tmp / 'work')
    root = data + '/'
    options = [
        f'train_dataloader.dataset.data_root={root}',
        f'val_dataloader.dataset.data_root={root}',
        f'test_dataloader.dataset.data_root={root}',
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        # no validation: the configs' evaluators name the repository's
        # data/ annotation files, absent on a clean clone
        'val_dataloader=None', 'val_cfg=None', 'val_evaluator=None',
        'train_cfg.max_epochs=2',
        'default_hooks.checkpoint.interval=2',
        'default_hooks.logger.interval=1', 'randomness.seed=0',
    ]
    proc = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools/dist_cpu_train.py')] +
        QUICKSTARTS + ['--nproc', '2', '--work-dir', work,
                       '--cfg-options'] + options,
        cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    return dict(work=work, data=data, log=proc.stdout + proc.stderr)


def _num_train_samples(config: str, data_root: str) -> int:
    import mmpose_tfx  # noqa: F401  (registers the project's datasets)
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    init_default_scope('mmpose')
    cfg = Config.fromfile(osp.join(ROOT, config)).train_dataloader.dataset
    cfg.update(data_root=data_root, pipeline=[])
    return len(DATASETS.build(cfg))


@pytest.mark.parametrize('config', QUICKSTARTS, ids=osp.basename)
def test_both_ranks_train_to_identical_parameters(trained, config):
    name = osp.splitext(osp.basename(config))[0]
    work = osp.join(trained['work'], name)
    p0 = torch.load(osp.join(work, 'rank0_params.pth'))
    p1 = torch.load(osp.join(work, 'rank1_params.pth'))
    assert p0.keys() == p1.keys()
    for k in p0:
        torch.testing.assert_close(p0[k], p1[k], rtol=0, atol=0,
                                   msg=f'{name}: {k} differs between ranks')
    # two epochs; each rank gets half of the samples (people for top-down
    # configs, images for bottom-up ones; DefaultSampler rounds up) in
    # batches of 2
    ckpt = osp.join(work, 'epoch_2.pth')
    assert osp.isfile(ckpt), glob.glob(osp.join(work, '*'))
    state = torch.load(ckpt, map_location='cpu')
    n = _num_train_samples(config, trained['data'] + '/')
    assert state['meta']['iter'] == 2 * math.ceil(math.ceil(n / 2) / 2)
    # the checkpoint holds the final parameters
    for k in p0:
        assert torch.equal(state['state_dict'][k], p0[k]), k


@pytest.mark.parametrize('config', QUICKSTARTS, ids=osp.basename)
def test_checkpoint_reloads_and_predicts(trained, config):
    from mmpose.apis import inference_bottomup, inference_topdown, init_model
    name = osp.splitext(osp.basename(config))[0]
    ckpt = osp.join(trained['work'], name, 'epoch_2.pth')
    model = init_model(osp.join(ROOT, config), ckpt, device='cpu')
    sd = torch.load(ckpt, map_location='cpu')['state_dict']
    for k, v in model.state_dict().items():
        torch.testing.assert_close(v, sd[k], rtol=0, atol=0)
    img = sorted(glob.glob(osp.join(trained['data'], 'val', '*.jpg')))[0]
    if model.cfg.data_mode == 'bottomup':
        model.test_cfg['score_thr'] = 0.
        pred = inference_bottomup(model, img)[0].pred_instances
    else:
        pred = inference_topdown(model, img)[0].pred_instances
    k = model.dataset_meta['num_keypoints']
    assert pred.keypoints.shape[1:] == (k, 2)
    assert np.isfinite(pred.keypoints).all()
