"""Tests of the SynthPose generator (mmpose_tfx/datasets/synthpose.py)."""
import hashlib
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmpose_tfx.datasets import synthpose as sp

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
        _check_coco_split(dataset_dir, split, n)


def _check_coco_split(dataset_dir, split, n):
    """The COCO-format invariants of one written split; returns it."""
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
    return coco


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
    counts = _check_labels(seed=11, num=40)
    # the checks above were not vacuous
    assert counts['v2'] > 500 and counts['v1'] > 10
    assert counts['multi'] >= 5 and counts['occluded'] >= 5


def _check_labels(seed, num, truncation=0.0):
    """Every label of ``num`` rendered images agrees with the id map."""
    counts = dict(v0=0, v1=0, v2=0, multi=0, occluded=0, instances=0,
                  truncated=0)
    for idx in range(num):
        img, ids, instances = sp.render_image(
            sp.make_rng(seed, 'train', idx), 256, 256, truncation=truncation)
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
            counts['instances'] += 1
            counts['truncated'] += bool((kps[:, 2] == 0).any())
            for kx, ky, v in kps:
                if v == 0:
                    assert kx == ky == 0
                    counts['v0'] += 1
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
    return counts


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


def test_truncation_option(tmp_path):
    """--truncation P: a clear share of people lose keypoints beyond the
    border (labelled v=0) while every label rule and COCO invariant holds;
    each truncated person keeps >= 4 keypoints inside."""
    plain = _check_labels(seed=12, num=30)
    half = _check_labels(seed=12, num=30, truncation=0.5)
    full = _check_labels(seed=12, num=30, truncation=1.0)
    assert plain['truncated'] / plain['instances'] < 0.1
    assert half['truncated'] / half['instances'] > 0.25
    assert full['truncated'] / full['instances'] > 0.8
    assert full['v0'] > 5 * plain['v0']
    for idx in range(30):
        for inst in _render_trunc(12, idx, 1.0):
            assert inst['num_keypoints'] >= 4
            assert min(inst['bbox'][2:]) >= 8

    out = tmp_path / 'trunc'
    sp.generate_dataset(out, num_train=6, num_val=6, seed=3, workers=1,
                        truncation=0.5)
    anns = []
    for split in ('train', 'val'):
        coco = _check_coco_split(out, split, 6)
        assert 'truncation 0.5' in coco['info']['description']
        anns += coco['annotations']
    cut = [min(a['keypoints'][2::3]) == 0 for a in anns]
    assert sum(cut) / len(cut) > 0.25
    manifest = json.loads((out / sp.MANIFEST_FILE).read_text())
    assert manifest['params']['truncation'] == 0.5


def _render_trunc(seed, idx, truncation):
    return sp.render_image(sp.make_rng(seed, 'train', idx), 256, 256,
                           truncation=truncation)[2]


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


# sha256 of the annotation files written by the generator before the output
# directory checks, the manifest and --truncation existed (commit e02e205) for
# generate_dataset(out, 4, 3, seed=5, workers=1): the default output must not
# change (the quickstart's numbers depend on it)
_REFERENCE_SHA256 = {
    'train':
    'e197c3c7a73f6573b370c0c890734aa730546f028455fa44277060794e6f7f91',
    'val':
    '684e6f3bbb1eb5eced90076078103883d4978e7f11a8dc21789b83da71a3b59c',
}


def test_default_output_is_unchanged(tmp_path):
    sp.generate_dataset(tmp_path / 'a', 4, 3, seed=5, workers=1)
    sp.generate_dataset(tmp_path / 'b', 4, 3, seed=5, workers=1,
                        truncation=0.0)
    for split, digest in _REFERENCE_SHA256.items():
        rel = f'annotations/person_keypoints_{split}.json'
        assert _sha256(tmp_path / 'a' / rel) == digest
        assert _sha256(tmp_path / 'b' / rel) == digest
    # the manifest lists exactly the files written, with their sha256
    manifest = json.loads((tmp_path / 'a' / sp.MANIFEST_FILE).read_text())
    assert manifest['generator'] == 'SynthPose'
    assert manifest['files'] == {
        rel: _sha256(tmp_path / 'a' / rel)
        for rel in _files(tmp_path / 'a') if rel != sp.MANIFEST_FILE}
    assert len(manifest['files']) == 4 + 3 + 2


def _sha256(path):
    return hashlib.sha256(open(path, 'rb').read()).hexdigest()


def _files(root):
    """Every file under ``root`` (relative, '/'-separated) -> bytes."""
    out = {}
    for d, _, names in os.walk(root):
        for name in names:
            path = osp.join(d, name)
            out[osp.relpath(path, root)] = open(path, 'rb').read()
    return out


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
    (dict(num_train=0, num_val=0), 'both 0'),
    (dict(num_train=1, num_val=1, max_people=0), 'max_people'),
    (dict(num_train=1, num_val=1, truncation=-0.1), 'truncation'),
    (dict(num_train=1, num_val=1, truncation=1.5), 'truncation'),
    (dict(num_train=1, num_val=1, truncation=float('nan')), 'truncation'),
    (dict(num_train=1, num_val=1, truncation='0.5'), 'truncation'),
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


# ---------------------------------------------------------------------------
# the output directory: never write over or delete what SynthPose did not
# create; atomic
# ---------------------------------------------------------------------------
def _siblings(path):
    """Entries next to ``path`` other than ``path`` (temporary leftovers)."""
    return sorted(set(os.listdir(osp.dirname(path))) - {osp.basename(path)})


def test_refuses_a_non_empty_directory(tmp_path):
    out = tmp_path / 'data'
    (out / 'train').mkdir(parents=True)
    (out / 'train' / '000000.jpg').write_bytes(b'mine')
    (out / 'notes.txt').write_text('keep')
    before = _files(out)
    for overwrite in (False, True):  # no manifest: never replaced
        with pytest.raises(ValueError, match='not empty|no valid'):
            sp.generate_dataset(out, 2, 1, workers=1, overwrite=overwrite)
        assert _files(out) == before
    assert _siblings(out) == []
    # an empty directory is fine
    empty = tmp_path / 'empty'
    empty.mkdir()
    sp.generate_dataset(empty, 2, 1, workers=1)
    assert len(_load(empty, 'train')['images']) == 2
    assert _siblings(empty) == ['data']


def test_overwrite_replaces_a_previous_output_as_a_whole(tmp_path):
    out = tmp_path / 'sp'
    sp.generate_dataset(out, 3, 2, seed=1, workers=1)
    old = _files(out)
    with pytest.raises(ValueError, match='previous SynthPose output.*'
                       'overwrite'):
        sp.generate_dataset(out, 1, 1, seed=2, workers=1)
    assert _files(out) == old
    sp.generate_dataset(out, 1, 1, seed=2, workers=1, overwrite=True)
    new = _files(out)
    # the stale images of the larger previous output are gone
    assert sorted(new) == sorted([
        'annotations/person_keypoints_train.json',
        'annotations/person_keypoints_val.json', 'train/000000.jpg',
        'val/000000.jpg', sp.MANIFEST_FILE])
    assert new['train/000000.jpg'] != old['train/000000.jpg']
    assert json.loads(new[sp.MANIFEST_FILE])['params']['seed'] == 2
    assert _siblings(out) == []


@pytest.mark.parametrize('change', ['stray_file', 'stray_dir', 'edited',
                                    'symlink'])
def test_overwrite_refuses_what_synthpose_did_not_write(tmp_path, change):
    out = tmp_path / 'sp'
    sp.generate_dataset(out, 2, 1, seed=1, workers=1)
    if change == 'stray_file':
        (out / 'train' / 'extra.jpg').write_bytes(b'user data')
        match = 'did not write.*train/extra.jpg'
    elif change == 'stray_dir':
        (out / 'cache').mkdir()
        match = 'did not write.*cache/'
    elif change == 'edited':
        with open(out / 'annotations' / 'person_keypoints_val.json',
                  'a') as f:
            f.write(' ')
        match = 'changed.*person_keypoints_val.json'
    else:
        (tmp_path / 'elsewhere').mkdir()
        (out / 'link').symlink_to(tmp_path / 'elsewhere')
        match = 'did not write.*link'
    before = _files(out)
    with pytest.raises(ValueError, match=match):
        sp.generate_dataset(out, 1, 1, seed=2, workers=1, overwrite=True)
    assert _files(out) == before
    assert _siblings(out) == (['elsewhere'] if change == 'symlink' else [])


def test_overwrite_ignores_a_forged_manifest(tmp_path):
    """A manifest naming a file outside the directory is not a SynthPose
    manifest: nothing is deleted."""
    victim = tmp_path / 'victim.txt'
    victim.write_text('precious')
    out = tmp_path / 'sp'
    out.mkdir()
    (out / sp.MANIFEST_FILE).write_text(json.dumps(dict(
        generator='SynthPose', files={'../victim.txt': _sha256(victim)})))
    with pytest.raises(ValueError, match='no valid'):
        sp.generate_dataset(out, 1, 1, workers=1, overwrite=True)
    assert victim.read_text() == 'precious'
    assert sorted(os.listdir(out)) == [sp.MANIFEST_FILE]


def test_interrupted_run_leaves_no_partial_dataset(tmp_path, monkeypatch):
    render = sp._render_task

    def interrupted(args):
        if args[1] == 'val':  # the train split is complete by then
            raise KeyboardInterrupt
        return render(args)

    monkeypatch.setattr(sp, '_render_task', interrupted)
    out = tmp_path / 'new'
    with pytest.raises(KeyboardInterrupt):
        sp.generate_dataset(out, 3, 2, workers=1)
    assert not out.exists() and os.listdir(tmp_path) == []
    # an interrupted --overwrite keeps the previous output intact
    monkeypatch.setattr(sp, '_render_task', render)
    sp.generate_dataset(out, 2, 1, seed=1, workers=1)
    before = _files(out)
    monkeypatch.setattr(sp, '_render_task', interrupted)
    with pytest.raises(KeyboardInterrupt):
        sp.generate_dataset(out, 3, 2, seed=2, workers=1, overwrite=True)
    assert _files(out) == before
    assert _siblings(out) == []


def test_generate_split_never_writes_over_files(tmp_path):
    sp.generate_split(tmp_path, 'val', 1, seed=0, workers=1)
    before = _files(tmp_path)
    with pytest.raises(ValueError, match='not empty'):
        sp.generate_split(tmp_path, 'val', 2, seed=1, workers=1)
    os.remove(tmp_path / 'val' / '000000.jpg')
    with pytest.raises(ValueError, match='person_keypoints_val.json.*exists'):
        sp.generate_split(tmp_path, 'val', 2, seed=1, workers=1)
    del before['val/000000.jpg']
    assert _files(tmp_path) == before


def test_cli(tmp_path, capsys, load_tool):
    cli = load_tool('tools/dataset/make_synthpose.py')
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
    # --truncation and --overwrite reach the generator
    cli.main(['--out', str(out), '--num-train', '2', '--num-val', '1',
              '--truncation', '1', '--workers', '1', '--overwrite'])
    coco = _load(out, 'train')
    assert len(coco['images']) == 2 and 'truncation 1' in \
        coco['info']['description']
    assert not (out / 'train' / '000002.jpg').exists()


@pytest.mark.parametrize('case', ['nothing', 'not_empty', 'under_a_file',
                                  'unwritable', 'bad_truncation'])
def test_cli_errors_are_clean(tmp_path, monkeypatch, case, load_tool):
    """Every refused --out or option ends in ``make_synthpose: error: ...``
    (argparse's form), not a traceback, and writes nothing."""
    cli = load_tool('tools/dataset/make_synthpose.py')
    out = tmp_path / 'out'
    args = ['--num-train', '1', '--num-val', '1', '--workers', '1']
    if case == 'nothing':
        args = ['--num-train', '0', '--num-val', '0']
        match = 'both 0'
    elif case == 'not_empty':
        out.mkdir()
        (out / 'x.jpg').write_bytes(b'x')
        match = 'not empty'
    elif case == 'under_a_file':
        (tmp_path / 'file').write_text('x')
        out = tmp_path / 'file' / 'out'
        match = 'is not a directory'
    elif case == 'unwritable':
        def denied(path, *a, **k):
            raise PermissionError(13, 'Permission denied', path)

        monkeypatch.setattr(os, 'mkdir', denied)
        match = 'cannot create a directory in .*Permission denied'
    else:
        args += ['--truncation', '1.5']
        match = r'truncation must be a number in \[0, 1\]'
    before = _files(tmp_path)
    with pytest.raises(SystemExit, match='^make_synthpose: error: .*' + match):
        cli.main(['--out', str(out)] + args)
    assert _files(tmp_path) == before
