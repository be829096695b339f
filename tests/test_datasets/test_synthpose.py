"""Tests of the SynthPose generator (mmpose_tfx/datasets/synthpose.py)."""
import importlib.util
import json
import os.path as osp

import cv2
import numpy as np
import pytest

from mmpose_tfx.datasets import synthpose as sp

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
NAMES = sp.COCO_KEYPOINT_NAMES
KP = {n: i for i, n in enumerate(NAMES)}


def _render(seed, index, split='train', size=(256, 256)):
    return sp.render_image(sp.make_rng(seed, split, index), *size)


@pytest.fixture(scope='module')
def dataset_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp('synthpose')
    stats = sp.generate_dataset(out, num_train=6, num_val=12, seed=3,
                                workers=1)
    assert stats['images'] == 18
    return out


def _coco_metainfo():
    """MMPose's COCO metainfo file (from its installed package)."""
    import mmpose
    path = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs', '_base_',
                    'datasets', 'coco.py')
    return dict(from_file=path) if osp.isfile(path) else None


def _load(out, split):
    with open(osp.join(out, 'annotations',
                       f'person_keypoints_{split}.json')) as f:
        return json.load(f)


# ---------------------------------------------------------------------------
# COCO format
# ---------------------------------------------------------------------------
def test_coco_json_format(dataset_dir):
    for split, n in (('train', 6), ('val', 12)):
        coco = _load(dataset_dir, split)
        assert [im['id'] for im in coco['images']] == list(range(1, n + 1))
        cat, = coco['categories']
        assert cat['id'] == 1 and cat['name'] == 'person'
        assert cat['keypoints'] == [
            'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
            'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
            'left_wrist', 'right_wrist', 'left_hip', 'right_hip',
            'left_knee', 'right_knee', 'left_ankle', 'right_ankle']
        assert cat['skeleton'] == [
            [16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12],
            [7, 13], [6, 7], [6, 8], [7, 9], [8, 10], [9, 11], [2, 3],
            [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7]]
        for im in coco['images']:
            img = cv2.imread(osp.join(dataset_dir, split, im['file_name']))
            assert img.shape == (im['height'], im['width'], 3) == (256, 256, 3)
        ann_ids = [a['id'] for a in coco['annotations']]
        assert ann_ids == list(range(1, len(ann_ids) + 1))
        assert len(ann_ids) >= n  # at least one person per image
        for a in coco['annotations']:
            assert a['category_id'] == 1 and a['iscrowd'] == 0
            assert len(a['bbox']) == 4 and all(
                isinstance(b, float) for b in a['bbox'])
            assert a['bbox'][2] > 0 and a['bbox'][3] > 0
            assert 0 < a['area'] <= a['bbox'][2] * a['bbox'][3]
            kps = np.array(a['keypoints'], float).reshape(17, 3)
            assert set(kps[:, 2]) <= {0, 1, 2}
            assert np.all(kps[kps[:, 2] == 0] == 0)
            assert a['num_keypoints'] == int((kps[:, 2] > 0).sum()) > 0


def test_mmpose_coco_dataset_loads(dataset_dir):
    from mmpose.datasets import CocoDataset
    for split in ('train', 'val'):
        coco = _load(dataset_dir, split)
        ds = CocoDataset(
            ann_file=f'annotations/person_keypoints_{split}.json',
            data_root=str(dataset_dir), data_prefix=dict(img=f'{split}/'),
            data_mode='topdown', pipeline=[], test_mode=(split == 'val'),
            metainfo=_coco_metainfo())
        assert ds.metainfo['num_keypoints'] == 17
        flip = list(range(17))
        for i, j in sp.FLIP_PAIRS:
            flip[i], flip[j] = j, i
        assert list(ds.metainfo['flip_indices']) == flip
        assert len(ds) == len(coco['annotations'])
        by_id = {a['id']: a for a in coco['annotations']}
        for i in range(len(ds)):
            info = ds.get_data_info(i)
            ann = by_id[info['id']]
            assert osp.isfile(info['img_path'])
            kps = np.array(ann['keypoints'], np.float32).reshape(17, 3)
            np.testing.assert_allclose(info['keypoints'][0], kps[:, :2])
            np.testing.assert_array_equal(info['keypoints_visible'][0],
                                          np.minimum(kps[:, 2], 1))
            x, y, w, h = ann['bbox']
            np.testing.assert_allclose(info['bbox'][0],
                                       [x, y, x + w, y + h], atol=1.01)


def test_coco_metric_gt_as_predictions_gives_ap_1(dataset_dir):
    from mmpose.datasets import CocoDataset
    from mmpose.evaluation import CocoMetric
    ann_file = osp.join(dataset_dir, 'annotations',
                        'person_keypoints_val.json')
    ds = CocoDataset(ann_file=ann_file, data_mode='topdown', pipeline=[],
                     test_mode=True, metainfo=_coco_metainfo())
    metric = CocoMetric(ann_file=ann_file)
    metric.dataset_meta = ds.metainfo
    coco = _load(dataset_dir, 'val')
    samples = []
    for a in coco['annotations']:
        kps = np.array(a['keypoints'], np.float32).reshape(1, 17, 3)
        x, y, w, h = a['bbox']
        samples.append(dict(
            id=a['id'], img_id=a['image_id'], category_id=1,
            gt_instances=dict(bbox_scales=np.array([[w, h]], np.float32)),
            pred_instances=dict(keypoints=kps[..., :2],
                                keypoint_scores=np.ones((1, 17), np.float32),
                                bbox_scores=np.ones(1, np.float32))))
    metric.process([{}] * len(samples), samples)
    results = metric.evaluate(len(samples))
    assert results['coco/AP'] == pytest.approx(1.0)
    assert results['coco/AR'] == pytest.approx(1.0)


# ---------------------------------------------------------------------------
# labels vs. the rendered picture
# ---------------------------------------------------------------------------
def test_labels_match_id_map():
    counts = dict(v1=0, v2=0, multi=0, occluded=0)
    for idx in range(40):
        img, ids, instances = _render(11, idx)
        h, w = ids.shape
        assert img.shape == (h, w, 3) and img.dtype == np.uint8
        assert [i['id'] for i in instances] == list(
            range(1, len(instances) + 1))
        assert set(np.unique(ids)) <= {sp.OCCLUDER_ID, 0} | {
            i['id'] for i in instances}
        counts['multi'] += len(instances) > 1
        for inst in instances:
            k = inst['id']
            kps = inst['keypoints']
            x, y, bw, bh = inst['bbox']
            vis_mask = ids == k
            # area = visible pixels; bbox covers them
            assert inst['area'] == vis_mask.sum() > 0
            rows = np.flatnonzero(vis_mask.any(1))
            cols = np.flatnonzero(vis_mask.any(0))
            assert x <= cols[0] and cols[-1] + 1 <= x + bw
            assert y <= rows[0] and rows[-1] + 1 <= y + bh
            assert 0 <= x and 0 <= y and x + bw <= w and y + bh <= h
            if inst['area'] == inst['amodal_area']:  # nothing hides it
                assert [x, y, bw, bh] == [cols[0], rows[0],
                                          cols[-1] - cols[0] + 1,
                                          rows[-1] - rows[0] + 1]
            else:
                counts['occluded'] += 1
            assert inst['num_keypoints'] == int((kps[:, 2] > 0).sum())
            for kx, ky, v in kps:
                if v == 0:
                    assert kx == ky == 0
                    continue
                assert 0 <= kx <= w - 1 and 0 <= ky <= h - 1
                assert x <= kx <= x + bw and y <= ky <= y + bh
                c, r = sp.keypoint_pixel(kx, ky)
                if v == 2:
                    assert ids[r, c] == k
                    counts['v2'] += 1
                else:
                    assert v == 1 and ids[r, c] != k
                    counts['v1'] += 1
    # the checks above were not vacuous
    assert counts['v2'] > 500 and counts['v1'] > 10
    assert counts['multi'] >= 5 and counts['occluded'] >= 5


def test_truncated_keypoints_are_v0():
    """Figures cut by the image border exist; their outside keypoints are
    v=0 (zeroed, checked in test_labels_match_id_map) and their box touches
    the border."""
    n_v0 = 0
    for idx in range(60):
        _, ids, instances = _render(12, idx)
        for inst in instances:
            v0 = inst['keypoints'][:, 2] == 0
            n_v0 += v0.sum()
            if v0.any():  # a truncated figure touches the border
                x, y, bw, bh = inst['bbox']
                assert x == 0 or y == 0 or x + bw == ids.shape[1] or \
                    y + bh == ids.shape[0]
    assert n_v0 > 0


# ---------------------------------------------------------------------------
# left / right cues
# ---------------------------------------------------------------------------
def _patch_mean(img, ids, k, pt, r_in, r_out):
    """Mean BGR of figure ``k``'s pixels in a ring around ``pt`` (the ring
    skips the joint marker, which is the same on both sides)."""
    c, rr = sp.keypoint_pixel(*pt)
    ys, xs = np.ogrid[:ids.shape[0], :ids.shape[1]]
    d2 = (xs - c)**2 + (ys - rr)**2
    m = (d2 <= r_out**2) & (d2 > r_in**2) & (ids == k)
    return img[m].astype(float).mean(0), m.sum()


def test_left_right_colour_and_facing_cues():
    checked = 0
    for idx in range(30):
        img, ids, instances = _render(21, idx)
        for inst in instances:
            kps = inst['keypoints']
            ls, rs = kps[KP['left_shoulder']], kps[KP['right_shoulder']]
            if ls[2] and rs[2]:
                # front-facing: the anatomical left is on the viewer's right
                assert ls[0] > rs[0]
            lw, rw = kps[KP['left_wrist']], kps[KP['right_wrist']]
            if lw[2] != 2 or rw[2] != 2 or inst['bbox'][3] < 80:
                continue
            r = 0.1 * inst['bbox'][3]
            if np.hypot(*(lw[:2] - rw[:2])) < 2.5 * r:
                continue
            ml, nl = _patch_mean(img, ids, inst['id'], lw[:2], 0.4 * r, r)
            mr, nr = _patch_mean(img, ids, inst['id'], rw[:2], 0.4 * r, r)
            if min(nl, nr) < 20:
                continue
            # BGR means: clearly different colours ...
            assert np.linalg.norm(ml - mr) > 30, (idx, ml, mr)
            # ... and the warm (red/orange) one is on the documented side
            warm, cool = (ml, mr) if inst['warm_side'] == 'left' else (mr, ml)
            assert warm[2] - warm[0] > cool[2] - cool[0] + 30, (warm, cool)
            # the face turns towards the warm side
            nose = kps[KP['nose']]
            ears = (kps[KP['left_ear']] + kps[KP['right_ear']]) / 2
            if nose[2] and kps[KP['left_ear']][2] and kps[KP['right_ear']][2]:
                towards_left = np.dot(nose[:2] - ears[:2], ls[:2] - rs[:2])
                assert (towards_left > 0) == (inst['warm_side'] == 'left')
            checked += 1
    assert checked >= 8


# ---------------------------------------------------------------------------
# determinism
# ---------------------------------------------------------------------------
def _tree_bytes(out):
    files = {}
    for split in ('train', 'val'):
        for i in range(10 if split == 'train' else 2):
            with open(osp.join(out, split, f'{i:06d}.jpg'), 'rb') as f:
                files[f'{split}/{i}'] = f.read()
        with open(osp.join(out, 'annotations',
                           f'person_keypoints_{split}.json'), 'rb') as f:
            files[split] = f.read()
    return files


def test_deterministic_for_seed_and_worker_count(tmp_path):
    a = _tree_bytes(_gen(tmp_path / 'a', seed=7, workers=1))
    b = _tree_bytes(_gen(tmp_path / 'b', seed=7, workers=2))
    c = _tree_bytes(_gen(tmp_path / 'c', seed=8, workers=1))
    assert a == b
    assert a['train'] != c['train'] and a['val'] != c['val']
    assert all(a[k] != c[k] for k in a if '/' in k)
    # train and val draw different images
    img_t, _, _ = _render(7, 0, 'train')
    img_v, _, _ = _render(7, 0, 'val')
    assert not np.array_equal(img_t, img_v)
    np.testing.assert_array_equal(img_t, _render(7, 0, 'train')[0])


def _gen(out, seed, workers):
    sp.generate_dataset(out, num_train=10, num_val=2, seed=seed,
                        workers=workers)
    return out


# ---------------------------------------------------------------------------
# bad input and the command line
# ---------------------------------------------------------------------------
@pytest.mark.parametrize('kwargs, match', [
    (dict(num_train=-1, num_val=1), 'num_train'),
    (dict(num_train=1, num_val=-5), 'num_val'),
    (dict(num_train=1.5, num_val=1), 'num_train'),
    (dict(num_train=1, num_val=1, seed=-1), 'seed'),
    (dict(num_train=1, num_val=1, img_size=(8, 256)), 'width'),
    (dict(num_train=1, num_val=1, img_size=(256,)), 'img_size'),
    (dict(num_train=1, num_val=1, workers=0), 'workers'),
])
def test_invalid_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        sp.generate_dataset(tmp_path / 'out', **kwargs)
    assert not (tmp_path / 'out').exists()


def test_output_path_is_a_file(tmp_path):
    f = tmp_path / 'file.txt'
    f.write_text('x')
    with pytest.raises(ValueError, match='not a directory'):
        sp.generate_dataset(f, num_train=1, num_val=1)
    with pytest.raises(ValueError, match='height'):
        sp.render_image(np.random.default_rng(0), 64, 4)
    with pytest.raises(ValueError, match='split'):
        sp.make_rng(0, '', 0)


def _cli():
    path = osp.join(ROOT, 'tools', 'dataset', 'make_synthpose.py')
    spec = importlib.util.spec_from_file_location('make_synthpose', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_cli(tmp_path, capsys):
    cli = _cli()
    out = tmp_path / 'sp'
    cli.main(['--out', str(out), '--num-train', '3', '--num-val', '2',
              '--seed', '1', '--img-size', '160', '128', '--workers', '1'])
    line = capsys.readouterr().out.strip()
    assert 'images=5' in line and 'instances=' in line and 'seconds=' in line
    coco = _load(out, 'val')
    assert coco['images'][0]['width'] == 160
    assert coco['images'][0]['height'] == 128
    assert cv2.imread(str(out / 'train' / '000002.jpg')).shape == (128, 160, 3)
    with pytest.raises(SystemExit, match='num_train'):
        cli.main(['--out', str(tmp_path / 'x'), '--num-train', '-2'])
