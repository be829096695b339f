"""PersonBoxMetric: COCO box AP of predicted person boxes. Perfect boxes
score 1, boxes off by half their size score 0 at IoU 0.5, a duplicate and
a missing person lower AP as COCO's own evaluation says, crowd regions are
ignored, and the error cases name the problem."""
import json

import numpy as np
import pytest

import mmpose_tfx  # noqa: F401
from mmpose_tfx.evaluation import PersonBoxMetric

BOXES = {1: [[10, 10, 50, 100], [100, 20, 40, 90]], 2: [[30, 40, 60, 120]]}


@pytest.fixture(scope='module')
def ann_file(tmp_path_factory):
    anns, k = [], 1
    for img, boxes in BOXES.items():
        for b in boxes:
            anns.append(dict(id=k, image_id=img, category_id=1, bbox=b,
                             area=b[2] * b[3], iscrowd=0, num_keypoints=1,
                             keypoints=[b[0] + 1, b[1] + 1, 2] + [0] * 48))
            k += 1
    # a crowd region in image 2: detections inside it are not false positives
    anns.append(dict(id=k, image_id=2, category_id=1,
                     bbox=[150, 10, 100, 100], area=10000, iscrowd=1,
                     num_keypoints=0, keypoints=[0] * 51,
                     segmentation=dict(counts=[0, 10000], size=[200, 300])))
    data = dict(
        images=[dict(id=i, file_name=f'{i}.jpg', width=300, height=200)
                for i in BOXES],
        annotations=anns, categories=[dict(id=1, name='person')])
    path = tmp_path_factory.mktemp('ann') / 'ann.json'
    path.write_text(json.dumps(data))
    return str(path)


def _evaluate(ann_file, preds):
    metric = PersonBoxMetric(ann_file=ann_file)
    samples = []
    for img, (boxes, scores) in preds.items():
        xyxy = np.array([[x, y, x + w, y + h] for x, y, w, h in boxes],
                        np.float32).reshape(-1, 4)
        samples.append(dict(img_id=img, pred_instances=dict(
            bboxes=xyxy, bbox_scores=np.asarray(scores, np.float32))))
    metric.process(None, samples)
    return metric.compute_metrics(metric.results)


def test_perfect_boxes_score_one(ann_file):
    res = _evaluate(ann_file, {i: (b, [0.9] * len(b))
                               for i, b in BOXES.items()})
    assert res['AP'] == pytest.approx(1.0) and res['AP .5'] == \
        pytest.approx(1.0)


def test_shifted_missing_duplicate_and_crowd(ann_file):
    # every box moved by half its width: IoU 1/3 < 0.5
    shifted = {i: ([[x + w / 2, y, w, h] for x, y, w, h in b],
                   [0.9] * len(b)) for i, b in BOXES.items()}
    assert _evaluate(ann_file, shifted)['AP .5'] == 0
    # one of three people missed: recall 2/3 -> AP .5 ~ 0.67 (101-point)
    missing = {1: (BOXES[1][:1], [0.9]), 2: (BOXES[2], [0.9])}
    assert _evaluate(ann_file, missing)['AP .5'] == pytest.approx(
        0.673, abs=0.01)
    # a confident false positive ranked first lowers AP
    dup = {1: (BOXES[1] + [[200, 150, 30, 30]], [0.5, 0.5, 0.99]),
           2: (BOXES[2], [0.5])}
    assert _evaluate(ann_file, dup)['AP .5'] < 1.0
    # the same extra box inside the crowd region is ignored
    crowd = {1: (BOXES[1], [0.5, 0.5]),
             2: (BOXES[2] + [[160, 20, 80, 80]], [0.5, 0.99])}
    assert _evaluate(ann_file, crowd)['AP .5'] == pytest.approx(1.0)


def test_errors(ann_file, tmp_path):
    with pytest.raises(FileNotFoundError, match='annotation file'):
        PersonBoxMetric(ann_file=str(tmp_path / 'none.json'))
    metric = PersonBoxMetric(ann_file=ann_file)
    with pytest.raises(ValueError, match='bbox_scores'):
        metric.process(None, [dict(img_id=1, pred_instances=dict(
            keypoints=np.zeros((1, 17, 2))))])
    assert _evaluate(ann_file, {1: ([], []), 2: ([], [])})['AP'] == 0
