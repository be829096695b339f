"""A model built for one keypoint count used with a dataset of another is
refused early and plainly, naming both counts and where they come from:
the runner hook before testing (real MPII samples with a 17-keypoint COCO
model) and every project head when called directly (init_model / the
inferencer use no runner)."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

import mmpose_tfx  # noqa: F401
from mmpose_tfx.engine import check_keypoint_count

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MPII = osp.join(osp.dirname(ROOT), 'shared', 'data', 'mpii')
MPII_FLIP = [5, 4, 3, 2, 1, 0, 6, 7, 8, 9, 15, 14, 13, 12, 11, 10]
HEADS = {
    'lightpose': ('configs/lightpose/td-hmoff_lightpose-r18-os16_1xb32-2e_'
                  'synthpose-128x96.py', (96, 128)),
    'prtr': ('configs/prtr/td-reg_prtr-r18_1xb16-5e_synthpose-64x48.py',
             (48, 64)),
    'tfpose': ('configs/tfpose/td-reg_tfpose-r18-e2d3_1xb32-2e_synthpose-'
               '128x96.py', (96, 128)),
    'lofr': ('configs/lofr/td-lf_lofr-r18_1xb32-2e_synthpose-128x96.py',
             (96, 128)),
    'prtr-e2e': ('configs/prtr/prtr-e2e_res18_1xb16-24e_synthpose-'
                 '128x128.py', (128, 128)),
}

pytestmark = pytest.mark.usefixtures('one_thread')


@pytest.mark.skipif(not osp.isdir(MPII), reason='../shared/data missing')
def test_runner_refuses_a_16_keypoint_dataset_for_a_17_keypoint_model(
        tmp_path):
    from mmengine.runner import Runner
    cfg = Config.fromfile(osp.join(
        ROOT, 'configs/transpose/td-hm_transpose-r18-s-a2_1xb32-2e_'
        'synthpose-128x96.py'))
    cfg.work_dir = str(tmp_path)
    cfg.test_dataloader = dict(
        batch_size=2, num_workers=0, persistent_workers=False,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(type='MpiiDataset', data_root=MPII,
                     data_mode='topdown', ann_file='test_mpii.json',
                     data_prefix=dict(img=''), test_mode=True,
                     pipeline=cfg.val_pipeline))
    cfg.test_evaluator = dict(type='MpiiPCKAccuracy')
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError) as err:
        runner.test()
    msg = str(err.value)
    assert 'test dataset (MpiiDataset) has 16 keypoints' in msg
    assert 'HeatmapHead was built for 17' in msg


@pytest.mark.parametrize('family', list(HEADS))
def test_every_project_head_names_both_counts(family):
    cfg_path, (w, h) = HEADS[family]
    cfg = Config.fromfile(osp.join(ROOT, cfg_path))
    init_default_scope('mmpose')
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model).eval()
    sample = PoseDataSample(metainfo=dict(
        flip_indices=MPII_FLIP, input_size=(w, h), img_shape=(h, w),
        batch_input_shape=(h, w), input_center=np.array([w / 2, h / 2]),
        input_scale=np.array([w, h], np.float32)))
    x = torch.zeros(1, 3, h, w)
    with pytest.raises(ValueError,
                       match=r'dataset has 16 keypoints \(its metainfo: '
                       r'flip_indices\).*built for 17'):
        with torch.no_grad():
            model(x, [sample], mode='predict')
    with pytest.raises(ValueError, match='dataset has 16 keypoints'):
        model(x, [sample], mode='loss')


def test_check_passes_matching_counts():
    sample = PoseDataSample(metainfo=dict(flip_indices=MPII_FLIP))
    check_keypoint_count('X', 16, [sample])  # no error
    check_keypoint_count('X', 17, [])  # nothing to compare
