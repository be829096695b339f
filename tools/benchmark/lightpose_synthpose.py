"""LightPose learning comparison on SynthPose: heatmap-only vs heatmap +
center offset at output stride 16 (the pattern of the paper's Table 5).

    OMP_NUM_THREADS=1 flock /tmp/mmpose_tfx_cpu.lock \
        python tools/benchmark/lightpose_synthpose.py [--strides 16 8]

Trains both CPU configs of each stride one after the other with ``mim train
mmpose`` (same data, schedule and CPU budget as the TransPose quickstart: 2
epochs at 128x96), evaluates each last checkpoint with ``mim test mmpose``
(COCO AP on SynthPose val, flip test) and prints the APs side by side. The
two runs of a stride differ only in the label: ``td-hm_...`` has no offset
branch and puts a keypoint at the centre of its argmax cell,
``td-hmoff_...`` adds the offset head and the L1 offset loss (alpha = 1).
``OMP_NUM_THREADS=1`` avoids thread thrashing on the shared 2-core machine.

Writes ``WORK_DIR/lightpose_synthpose_os16[_os8].json``.
"""
import argparse
import json
import os.path as osp
from typing import Dict, Optional, Sequence

from mim_steps import COCO_METRICS, ROOT, train_and_test

LABELS = {'heatmap only': 'hm', 'heatmap + offset': 'hmoff'}


def config_path(label: str, stride: int) -> str:
    return (f'configs/lightpose/td-{LABELS[label]}_lightpose-r18-os{stride}_'
            '1xb32-2e_synthpose-128x96.py')


METRICS = COCO_METRICS


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, dict]:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/lightpose_synthpose')
    parser.add_argument('--strides', type=int, nargs='+', default=[16],
                        choices=[8, 16],
                        help='output strides to compare (configs os8 / os16)')
    args = parser.parse_args(argv)
    work_dir = osp.join(ROOT, args.work_dir)
    if not osp.isfile(osp.join(ROOT, 'data/synthpose/annotations/'
                               'person_keypoints_val.json')):
        raise SystemExit('SynthPose missing: run tools/dataset/'
                         'make_synthpose.py --out data/synthpose first')
    results = {}
    for stride in args.strides:
        for label in LABELS:
            config = config_path(label, stride)
            results[f'1/{stride} {label}'] = dict(
                config=config,
                stride=stride,
                **train_and_test(config, osp.join(
                    work_dir, osp.splitext(osp.basename(config))[0])))
    tag = '_'.join(f'os{s}' for s in args.strides)
    out = osp.join(work_dir, f'lightpose_synthpose_{tag}.json')
    with open(out, 'w') as f:
        json.dump(results, f, indent=2)

    print('\nSynthPose val (300 images), 128x96 input, 2 epochs on CPU\n')
    print('| output stride | map | label | ' + ' | '.join(METRICS) +
          ' | train s |')
    print('|---|---|---|' + '---|' * (len(METRICS) + 1))
    for name, r in results.items():
        s = r['stride']
        print(f'| 1/{s} | {96 // s}x{128 // s} | {name.split(" ", 1)[1]} | ' +
              ' | '.join(f'{r[m]:.3f}' for m in METRICS) +
              f' | {r["train_s"]:.0f} |')
    for stride in args.strides:
        hm = results[f'1/{stride} heatmap only']
        off = results[f'1/{stride} heatmap + offset']
        gain = off['AP'] - hm['AP']
        print(f'\n1/{stride}: AP gain of the offset {gain:+.3f} '
              f'(heatmap + offset / heatmap only = '
              f'{off["AP"] / max(hm["AP"], 1e-9):.2f}x)')
    print(f'result: {osp.relpath(out, ROOT)}')
    return results


if __name__ == '__main__':
    main()
