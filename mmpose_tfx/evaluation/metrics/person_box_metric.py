"""COCO box AP of the person boxes a bottom-up model predicts.

The end-to-end PRTR detects people itself; MMPose's ``CocoMetric`` scores
only keypoints. This metric scores the ``pred_instances.bboxes`` /
``bbox_scores`` (image pixels, ``x1, y1, x2, y2``) of every image with the
official COCO box evaluation (``xtcocotools``' ``COCOeval``, ``iouType
'bbox'``, the person category, all annotations of the file: crowd regions
are ignore regions, people without keypoints count), so its numbers are
comparable to any COCO person detector's (e.g. the paper's DETR person
detector: 50.2 AP on val2017).
"""
import os.path as osp
from collections import OrderedDict
from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmpose.registry import METRICS

STATS = ('AP', 'AP .5', 'AP .75', 'AP (S)', 'AP (M)', 'AP (L)', 'AR 1',
         'AR 10', 'AR', 'AR (S)', 'AR (M)', 'AR (L)')


@METRICS.register_module()
class PersonBoxMetric(BaseMetric):
    """COCO bbox AP of predicted person boxes.

    Args:
        ann_file (str): COCO-format annotation file with ``bbox`` (and
            ``iscrowd``) per person.
        category_id (int): Category of the predictions (COCO person: 1).
        prefix (str): Metric name prefix (``person`` -> ``person/AP``).
        collect_device (str): As MMEngine's metrics.
    """
    default_prefix = 'person'

    def __init__(self,
                 ann_file: str,
                 category_id: int = 1,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not osp.isfile(ann_file):
            raise FileNotFoundError(f'annotation file not found: {ann_file}')
        self.ann_file = ann_file
        self.category_id = category_id

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'pred_instances' not in sample:
                raise ValueError('PersonBoxMetric needs pred_instances')
            pred = sample['pred_instances']
            if 'bboxes' not in pred or 'bbox_scores' not in pred:
                raise ValueError('PersonBoxMetric needs predicted bboxes and '
                                 'bbox_scores (a model that detects people)')
            boxes = np.asarray(pred['bboxes'], np.float64).reshape(-1, 4)
            scores = np.asarray(pred['bbox_scores'], np.float64).reshape(-1)
            self.results.append(
                dict(img_id=int(sample['img_id']), boxes=boxes,
                     scores=scores))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        from xtcocotools.coco import COCO
        from xtcocotools.cocoeval import COCOeval
        logger = MMLogger.get_current_instance()
        coco = COCO(self.ann_file)
        dets = []
        for r in results:
            for box, score in zip(r['boxes'], r['scores']):
                x1, y1, x2, y2 = box.tolist()
                dets.append(dict(image_id=r['img_id'],
                                 category_id=self.category_id,
                                 bbox=[x1, y1, x2 - x1, y2 - y1],
                                 score=float(score)))
        names = [f'{n}' for n in STATS]
        if not dets:
            logger.warning('PersonBoxMetric: no predicted box at all')
            return OrderedDict((n, 0.) for n in names)
        coco_dt = coco.loadRes(dets)
        ev = COCOeval(coco, coco_dt, 'bbox', use_area=True)
        ev.params.imgIds = sorted({r['img_id'] for r in results})
        ev.params.catIds = [self.category_id]
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
        return OrderedDict(
            (n, float(max(v, 0.))) for n, v in zip(names, ev.stats))
