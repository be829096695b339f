"""Short version of tools/benchmark/real_coco_overfit.py: on the real COCO
sample, ground truth that goes through MMPose's pipeline (box -> affine crop
-> DARK heatmap targets), the quickstart head's decoder, the estimator's
crop-to-image mapping and CocoMetric comes back with AP ~= 1. A wrong
coordinate frame anywhere in crop / codec / metric shows up here."""
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.datasets import CocoDataset
from mmpose.evaluation import CocoMetric
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

import mmpose_tfx  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
COCO = osp.normpath(osp.join(ROOT, '..', 'shared', 'data', 'coco'))
CONFIG = osp.join(ROOT, 'configs', 'transpose',
                  'td-hm_transpose-r18-s-a2_1xb32-2e_synthpose-128x96.py')


@pytest.mark.parametrize('input_size', [(96, 128), (192, 256)])
def test_ground_truth_through_pipeline_codec_and_metric(tmp_path, input_size):
    ann = osp.join(COCO, 'test_coco.json')
    if not osp.isfile(ann):
        pytest.skip('real COCO sample not available')
    init_default_scope('mmpose')
    cfg = Config.fromfile(CONFIG)
    w, h = input_size
    codec = dict(type='MSRAHeatmap', input_size=(w, h),
                 heatmap_size=(w // 4, h // 4), sigma=2, unbiased=True)
    cfg.model.head.decoder = codec
    cfg.model.neck.feat_size = (h // 8, w // 8)
    model = MODELS.build(cfg.model)
    pipeline = [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale'),
        dict(type='TopdownAffine', input_size=(w, h)),
        dict(type='GenerateTarget', encoder=codec),
        dict(type='PackPoseInputs')
    ]
    dataset = CocoDataset(
        data_root=COCO, ann_file='test_coco.json', data_mode='topdown',
        data_prefix=dict(img=''), pipeline=pipeline, test_mode=True)
    assert len(dataset) == 12  # 14 instances, 2 without keypoints dropped
    metric = CocoMetric(ann_file=ann, outfile_prefix=str(tmp_path / 'res'))
    metric.dataset_meta = dataset.metainfo
    for i in range(len(dataset)):
        item = dataset[i]
        sample: PoseDataSample = item['data_samples']
        heatmaps = sample.gt_fields.heatmaps[None]  # oracle "network output"
        preds = model.head.decode(heatmaps)
        model.add_pred_to_datasample(preds, None, [sample])
        metric.process([item], [sample.to_dict()])
    result = metric.evaluate(size=len(dataset))
    assert result['coco/AP'] > 0.99, result
    # the oracle keypoints sit within a pixel of the labels in the image
    gt = np.array(dataset.get_data_info(0)['keypoints'])[0]
    vis = np.array(dataset.get_data_info(0)['keypoints_visible'])[0] > 0
    item = dataset[0]
    sample = item['data_samples']
    preds = model.head.decode(sample.gt_fields.heatmaps[None])
    model.add_pred_to_datasample(preds, None, [sample])
    err = np.linalg.norm(sample.pred_instances.keypoints[0] - gt, axis=-1)
    # DARK recovers the label to well below one heatmap pixel, mapped back
    # to image pixels through the crop scale
    image_px_per_heatmap_px = np.ravel(sample.metainfo['input_scale'])[1] / (h // 4)
    assert err[vis].max() < 0.25 * image_px_per_heatmap_px, err[vis]
