"""LOFR's Table 7 statistic: the average normalised response around each
body joint over a dataset split, for several models side by side.

    python tools/benchmark/lofr_response_stats.py \
        --model LOFR CONFIG CKPT --model baseline CONFIG2 CKPT2 [--split val]

For every instance of the split (ground-truth boxes, test pipeline, one
plain forward pass) and every labelled joint inside the crop: the joint's
part response map (the fused 1/4 map of ``CAMPrototypeHead``) is divided by
its maximum (so it lies in [0, 1], as the paper's "We normalize the value
belongs to [0 ~ 1]"), and the mean of that map in the 3 x 3 cells around
the joint's ground-truth position is taken. Values are averaged per joint
type, left and right merged (COCO: ear, eye, nose, shoulder, elbow, wrist,
hip, knee, ankle; Table 7's columns). 1 means the response peaks on the
joint, 0 that it is elsewhere.

That statistic also gives 1 to a flat map (divided by its maximum, every
cell is 1), so a second table gives the share of the map's mass (R_i sums
to 1) in the same 3 x 3 cells: a flat map scores 9 / (H/4 * W/4) there
(printed as ``flat``), a map concentrated on the joint scores near 1.

A third table locates each joint at the maximum of its part response map
(the model's prediction) and of its CAM (the 1/16 CNN branch), and gives
the median distance to the ground truth over the crop height and the share
within 0.1 of it (PCK), next to a mean pose (every crop gets the mean
position of each joint in the same crops): a map that localises must beat
the mean pose.
"""
import argparse
import os.path as osp
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
GROUPS = OrderedDict(
    Ear=('left_ear', 'right_ear'), Eye=('left_eye', 'right_eye'),
    Nose=('nose', ), Sho=('left_shoulder', 'right_shoulder'),
    Elb=('left_elbow', 'right_elbow'), Wri=('left_wrist', 'right_wrist'),
    Hip=('left_hip', 'right_hip'), Kne=('left_knee', 'right_knee'),
    Ank=('left_ankle', 'right_ankle'))


def joint_responses(model, dataset_cfg: dict, max_samples: int = 1000,
                    batch_size: int = 32) -> Dict[str, Any]:
    """Per joint type: ``(mean normalised response, mean mass)`` in the
    3 x 3 cells around the joint (see module doc); ``'localisation'``: per
    predictor (response map, CAM, mean pose) ``(median error, PCK@0.1)``."""
    import torch
    from mmengine.dataset import pseudo_collate
    from mmpose.registry import DATASETS

    dataset = DATASETS.build(dataset_cfg)
    n = min(len(dataset), max_samples)
    names = model.dataset_meta['keypoint_id2name']
    k = len(names)
    sums, mass, counts = np.zeros(k), np.zeros(k), np.zeros(k)
    peaks: Dict[str, list] = dict(response=[], CAM=[])
    gts: List[np.ndarray] = []
    labelled: List[np.ndarray] = []
    for start in range(0, n, batch_size):
        batch = pseudo_collate(
            [dataset[i] for i in range(start, min(n, start + batch_size))])
        with torch.no_grad():
            data = model.data_preprocessor(batch, False)
            fwd = model.head.forward_all(model.extract_feat(data['inputs']))
        maps = fwd['response']
        in_h, in_w = data['inputs'].shape[-2:]
        for name, m in (('response', maps), ('CAM', fwd['cams'])):
            peaks[name].append(_peak_xy(m, in_h, in_w))
        raw = maps.cpu().numpy()
        maps = maps / maps.flatten(2).max(-1).values[..., None, None].clamp(
            min=1e-12)
        maps = maps.cpu().numpy()
        mh, mw = maps.shape[-2:]
        for b, sample in enumerate(data['data_samples']):
            kpts = sample.gt_instances.transformed_keypoints[0] \
                if 'transformed_keypoints' in sample.gt_instances else None
            if kpts is None:
                raise ValueError('the test pipeline must pack the '
                                 'transformed keypoints (PackPoseInputs '
                                 'pack_transformed=True)')
            vis = sample.gt_instances.keypoints_visible[0]
            # labelled and inside the crop: the joints every table counts
            inside = (vis > 0) & (kpts[:, 0] >= 0) & (kpts[:, 0] < in_w) & \
                (kpts[:, 1] >= 0) & (kpts[:, 1] < in_h)
            gts.append(np.asarray(kpts, dtype=np.float64))
            labelled.append(inside)
            for j in np.flatnonzero(inside):
                x, y = kpts[j] * [mw / in_w, mh / in_h]
                xi, yi = int(x), int(y)
                win = (slice(max(yi - 1, 0), yi + 2),
                       slice(max(xi - 1, 0), xi + 2))
                sums[j] += maps[b, j][win].mean()
                mass[j] += raw[b, j][win].sum()
                counts[j] += 1
    per_joint = {
        names[j]: (sums[j] / max(counts[j], 1), mass[j] / max(counts[j], 1))
        for j in range(k)
    }
    out = OrderedDict()
    for group, members in GROUPS.items():
        vals = [per_joint[m] for m in members if m in per_joint]
        if vals:
            out[group] = tuple(float(v) for v in np.mean(vals, axis=0))
    out['flat'] = (1., 9. / (mh * mw))
    gt, ok = np.stack(gts), np.stack(labelled)
    mean_pose = np.nanmean(np.where(ok[..., None], gt, np.nan), 0)
    preds = {name: np.concatenate(p) for name, p in peaks.items()}
    preds['mean pose'] = np.broadcast_to(mean_pose, gt.shape)
    out['localisation'] = {
        name: localisation_error(p, gt, ok, float(in_h))
        for name, p in preds.items()
    }
    return out


def _peak_xy(maps, in_h: int, in_w: int) -> np.ndarray:
    """Cell centres of the maxima of ``(B, C, h, w)`` maps, in input pixels
    ``(B, C, 2)`` (x, y)."""
    h, w = maps.shape[-2:]
    idx = maps.flatten(2).argmax(-1).cpu().numpy()
    return np.stack([(idx % w + .5) * in_w / w, (idx // w + .5) * in_h / h],
                    -1)


def localisation_error(pred: np.ndarray, gt: np.ndarray, ok: np.ndarray,
                       crop_h: float) -> Tuple[float, float]:
    """``(N, K, 2)`` predictions and ground truth in input pixels, ``ok``
    ``(N, K)`` the joints to count -> (median distance / crop height, share
    of joints within 0.1 crop height)."""
    err = np.linalg.norm(pred - gt, axis=-1)[ok] / crop_h
    if err.size == 0:
        return float('nan'), float('nan')
    return float(np.median(err)), float(np.mean(err < 0.1))


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, dict]:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--model', nargs=3, action='append', required=True,
                        metavar=('NAME', 'CONFIG', 'CHECKPOINT'))
    parser.add_argument('--split', default='val', choices=['train', 'val'])
    parser.add_argument('--max-samples', type=int, default=1000)
    args = parser.parse_args(argv)
    from mmpose.apis import init_model

    import mmpose_tfx  # noqa: F401
    rows: Dict[str, dict] = {}
    for name, config, ckpt in args.model:
        model = init_model(config, ckpt, device='cpu')
        ds = model.cfg[f'{args.split}_dataloader'].dataset.copy()
        pipeline: List[dict] = [dict(t) for t in ds.pipeline]
        for t in pipeline:
            if t['type'] == 'PackPoseInputs':
                t['pack_transformed'] = True
        ds.update(pipeline=pipeline, bbox_file=None)
        rows[name] = joint_responses(model, ds, args.max_samples)
    cols = [c for c in next(iter(rows.values()))
            if c not in ('flat', 'localisation')]
    for i, (title, fmt) in enumerate((
            ('Average normalised response around the joints (Table 7)',
             '{:.2f}'),
            ('Share of the response map\'s mass in the 3 x 3 cells around '
             'the joints', '{:.3f}'))):
        print(f'\n{title}\n')
        print('| model | ' + ' | '.join(cols) + ' | flat map |')
        print('|---|' + '---|' * (len(cols) + 1))
        for name, r in rows.items():
            print(f'| {name} | ' + ' | '.join(
                fmt.format(r[c][i]) for c in cols + ['flat']) + ' |')
    print('\nJoints located at the maximum of each map: median distance / '
          'crop height, PCK@0.1 (crop height)\n')
    print('| model | response median | response PCK | CAM median | CAM PCK '
          '| mean pose median | mean pose PCK |')
    print('|---|---|---|---|---|---|---|')
    for name, r in rows.items():
        loc = r['localisation']
        print(f'| {name} | ' + ' | '.join(
            f'{loc[m][0]:.3f} | {loc[m][1]:.3f}'
            for m in ('response', 'CAM', 'mean pose')) + ' |')
    return rows


if __name__ == '__main__':
    main()
