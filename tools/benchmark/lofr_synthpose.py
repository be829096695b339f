"""LOFR on SynthPose: location-free learning against the location-free
baseline and a mean-pose predictor, and the weakly semi-supervised pattern
of the paper's Table 4.

    flock /tmp/mmpose_tfx_cpu.lock python tools/benchmark/lofr_synthpose.py \
        [--runs lf baseline mean lfcrop lfcropwhole lfpart lfocc lfzoom \
                meanwhole truth02 truth05 truth10 ws10 ws25 sup10 sup25 all]

Data: SynthPose with truncated figures (``data/synthpose_trunc``, generated
when missing with ``make_synthpose.py --truncation 0.5``, seed 0, 4000 /
300): a truncated figure's keypoints outside the image are labelled absent,
so the per-person presence labels vary (with whole figures every crop would
be labelled "all present").

Every run trains its CPU config with ``mim train mmpose`` (2 epochs at
128x96, batch 32: the budget of the other quickstarts; the Sup-only runs
take the same number of steps over their subset) and tests it with ``mim
test mmpose`` (SynthPose val COCO AP, ground-truth boxes, flip test):

- ``lf``: LOFR, location-free (presence from annotation visibility only);
- ``baseline``: the location-free baseline (no SPE, MS, RePPG, PDC);
- ``mean``: no training; every crop gets the training set's mean pose (the
  mean normalised position of each labelled joint in the test-time crops
  of the training instances), scored 1;
- ``lfcrop``: LOFR with presence recomputed inside the augmented crop;
- ``lfcropwhole``: ``lfcrop`` on whole figures (``data/synthpose``, the
  main quickstart's data, generated when missing): absence only where the
  scale augmentation cuts a part off, never a black out-of-image band;
- ``lfpart``: LOFR with the final presence read out from the part
  features (``presence_from='part'``, docs/lofr.md decision 8);
- ``lfocc``: ``lfpart`` with keypoints occluded by flat-colour patches in
  the training crops and labelled absent where covered
  (``KeypointPatchOcclusion``, decision 17);
- ``lfzoom``: whole figures, trained on zoomed and shifted crops (box
  scale 0.3-1.3, shift up to 0.25) with presence inside the crop
  (decision 18);
- ``meanwhole``: ``mean`` on whole figures (``data/synthpose``), the
  reference for ``lfcropwhole`` and ``lfzoom``;
- ``truth02`` / ``truth05`` / ``truth10``: no training; on whole figures,
  every labelled joint at its ground truth plus isotropic Gaussian noise
  whose median distance is 0.02 / 0.05 / 0.10 of the crop height (seed 0):
  how precisely a model must locate *every* joint before SynthPose's COCO
  AP registers it (the response-map errors of
  ``lofr_response_stats.py`` are in the same unit);
- ``ws10`` / ``ws25``: LOFR-WS with 10 / 25 % location labels;
- ``sup10`` / ``sup25``: the same model on only those labelled instances;
- ``all``: every instance location-labelled.

Writes ``WORK_DIR/lofr_synthpose.json``.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from mim_steps import COCO_METRICS, ROOT, run, train_and_test

DATA = 'data/synthpose_trunc'
# whole figures (the main quickstart's data) and the runs that use them
WHOLE = 'data/synthpose'
# the noisy ground-truth references: median error / crop height
TRUTH_RUNS = {'truth02': 0.02, 'truth05': 0.05, 'truth10': 0.10}
WHOLE_RUNS = ('lfcropwhole', 'lfzoom', 'meanwhole') + tuple(TRUTH_RUNS)
CONFIGS = {
    'lf': 'td-lf_lofr-r18_1xb32-2e_synthpose-128x96.py',
    'baseline': 'td-lf_lofr-baseline-r18_1xb32-2e_synthpose-128x96.py',
    'lfcrop': 'td-lfcrop_lofr-r18_1xb32-2e_synthpose-128x96.py',
    'lfcropwhole': 'td-lfcrop_lofr-r18_1xb32-2e_synthpose-whole-128x96.py',
    'lfpart': 'td-lfpart_lofr-r18_1xb32-2e_synthpose-128x96.py',
    'lfocc': 'td-lfocc_lofr-r18_1xb32-2e_synthpose-128x96.py',
    'lfzoom': 'td-lfzoom_lofr-r18_1xb32-2e_synthpose-whole-128x96.py',
    'ws10': 'td-ws10_lofr-r18_1xb32-2e_synthpose-128x96.py',
    'ws25': 'td-ws25_lofr-r18_1xb32-2e_synthpose-128x96.py',
    'sup10': 'td-sup10_lofr-r18_1xb32-20e_synthpose-128x96.py',
    'sup25': 'td-sup25_lofr-r18_1xb32-8e_synthpose-128x96.py',
    'all': 'td-all_lofr-r18_1xb32-2e_synthpose-128x96.py',
}
LABELS = {
    'lf': 'LOFR (location-free)',
    'baseline': 'location-free baseline',
    'mean': 'mean pose (no training)',
    'lfcrop': 'LOFR, presence inside the augmented crop',
    'lfcropwhole': 'LOFR, presence inside the crop, whole figures',
    'lfpart': 'LOFR, presence read out from the part features',
    'lfocc': 'LOFR, part read-out, keypoints occluded by patches',
    'lfzoom': 'LOFR, zoomed crops, presence inside the crop, whole figures',
    'meanwhole': 'mean pose, whole figures (no training)',
    **{k: f'ground truth + noise, median error {e:.2f} crop heights, '
          'whole figures (no training)' for k, e in TRUTH_RUNS.items()},
    'ws10': 'LOFR-WS, 10 % location labels',
    'ws25': 'LOFR-WS, 25 % location labels',
    'sup10': 'Sup-only, the 10 % labelled instances',
    'sup25': 'Sup-only, the 25 % labelled instances',
    'all': 'all instances location-labelled',
}


def ensure_data(whole: bool = False) -> None:
    """Generate the truncated SynthPose (and, with ``whole``, the main
    quickstart's ``data/synthpose``) when missing."""
    sets = [(DATA, ['--truncation', '0.5'])]
    if whole:
        sets.append((WHOLE, []))
    for out, extra in sets:
        if osp.isfile(osp.join(ROOT, out, 'annotations',
                               'person_keypoints_val.json')):
            continue
        os.makedirs(osp.join(ROOT, 'work_dirs'), exist_ok=True)
        log = osp.join(ROOT, 'work_dirs', f'make_{osp.basename(out)}.log')
        run([sys.executable, 'tools/dataset/make_synthpose.py', '--out', out,
             '--num-train', '4000', '--num-val', '300', '--seed', '0'] +
            extra, log)


def _crop_frame(cfg, dataset):
    """Per instance: keypoints in the test-time crop normalised to [0, 1]
    (u = x / w), visibility, and the crop's center / scale."""
    from mmpose.structures.bbox import bbox_xyxy2cs, get_warp_matrix
    w, h = cfg.codec['input_size']
    out = []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        center, scale = bbox_xyxy2cs(info['bbox'][0], padding=1.25)
        # TopdownAffine's aspect fix
        aspect = w / h
        if scale[0] > scale[1] * aspect:
            scale = np.array([scale[0], scale[0] / aspect], np.float32)
        else:
            scale = np.array([scale[1] * aspect, scale[1]], np.float32)
        warp = get_warp_matrix(center, scale, 0, output_size=(w, h))
        kpts = info['keypoints'][0]
        crop = kpts @ warp[:, :2].T + warp[:, 2]
        out.append(dict(info=info, u=crop / [w, h], center=center,
                        scale=scale, vis=info['keypoints_visible'][0]))
    return out


def noisy_truth(u: np.ndarray, err: float, size: Tuple[int, int],
                rng: np.random.Generator) -> np.ndarray:
    """Keypoints ``u (K, 2)`` normalised to a ``size = (w, h)`` crop (u = x
    / w) moved by isotropic Gaussian noise in pixels whose median distance
    is ``err * h``: a 2-D Gaussian's distance is Rayleigh, median sigma *
    sqrt(2 ln 2)."""
    w, h = size
    sigma = err * h / np.sqrt(2 * np.log(2))
    return u + rng.normal(0., sigma, u.shape) / np.array([w, h])


def reference_ap(config: str, data: str = DATA,
                 truth_err: Optional[float] = None) -> Dict[str, float]:
    """COCO AP on ``data``'s val of a predictor that needs no training:
    the training set's mean pose, or (``truth_err``) each labelled joint's
    ground truth plus noise (:func:`noisy_truth`, seed 0; unlabelled joints
    keep the mean pose, they are not scored)."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS, METRICS

    import mmpose_tfx  # noqa: F401
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'lofr', config))
    init_default_scope('mmpose')
    train_cfg = cfg.train_dataloader.dataset.copy()
    train_cfg.update(pipeline=[], data_root=osp.join(ROOT, data) + '/')
    val_cfg = cfg.val_dataloader.dataset.copy()
    val_cfg.update(pipeline=[], data_root=osp.join(ROOT, data) + '/')
    train = _crop_frame(cfg, DATASETS.build(train_cfg))
    u = np.stack([t['u'] for t in train])
    vis = np.stack([t['vis'] for t in train]) > 0
    mean = (u * vis[..., None]).sum(0) / np.maximum(vis.sum(0), 1)[:, None]
    val_ds = DATASETS.build(val_cfg)
    metric = METRICS.build(dict(
        type='CocoMetric',
        ann_file=osp.join(ROOT, data, 'annotations',
                          'person_keypoints_val.json')))
    metric.dataset_meta = val_ds.metainfo
    rng = np.random.default_rng(0)
    samples = []
    for v in _crop_frame(cfg, val_ds):
        pred = mean
        if truth_err is not None:
            pred = np.where((v['vis'] > 0)[:, None],
                            noisy_truth(v['u'], truth_err,
                                        cfg.codec['input_size'], rng), mean)
        kpts = v['center'] + (pred - 0.5) * v['scale']
        samples.append(dict(
            id=v['info']['id'], img_id=v['info']['img_id'],
            category_id=1,
            pred_instances=dict(keypoints=kpts[None],
                                keypoint_scores=np.ones((1, len(mean)))),
            gt_instances=dict(bbox_scores=np.ones(1),
                              bbox_scales=v['scale'][None])))
    metric.process([], samples)
    res = metric.compute_metrics(metric.results)
    return {m: float(res[m]) for m in COCO_METRICS}


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, dict]:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/lofr_synthpose')
    parser.add_argument('--runs', nargs='+', default=list(LABELS),
                        choices=list(LABELS))
    args = parser.parse_args(argv)
    work_dir = osp.join(ROOT, args.work_dir)
    ensure_data(whole=any(r in WHOLE_RUNS for r in args.runs))
    out = osp.join(work_dir, 'lofr_synthpose.json')
    results = {}
    if osp.isfile(out):  # runs of an earlier call stay in the table
        with open(out) as f:
            results = json.load(f)
    for name in args.runs:
        if name == 'mean':
            results[name] = reference_ap(CONFIGS['lf'])
        elif name == 'meanwhole':
            results[name] = reference_ap(CONFIGS['lfcropwhole'], WHOLE)
        elif name in TRUTH_RUNS:
            results[name] = reference_ap(CONFIGS['lfcropwhole'], WHOLE,
                                         truth_err=TRUTH_RUNS[name])
        else:
            config = osp.join('configs', 'lofr', CONFIGS[name])
            results[name] = dict(config=config, **train_and_test(
                config, osp.join(work_dir, name)))
        with open(out, 'w') as f:
            json.dump(results, f, indent=2)

    print('\nSynthPose-trunc val (300 images; the whole-figure rows: '
          'SynthPose val), 128x96, CPU\n')
    print('| run | ' + ' | '.join(COCO_METRICS) + ' | train s |')
    print('|---|' + '---|' * (len(COCO_METRICS) + 1))
    for name in LABELS:
        if name in results:
            r = results[name]
            print(f'| {LABELS[name]} | ' + ' | '.join(
                f'{r[m]:.3f}' for m in COCO_METRICS) +
                  f" | {r.get('train_s', 0):.0f} |")
    print(f'result: {osp.relpath(out, ROOT)}')
    return results


if __name__ == '__main__':
    main()
