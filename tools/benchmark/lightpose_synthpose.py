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
import glob
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
LABELS = {'heatmap only': 'hm', 'heatmap + offset': 'hmoff'}


def config_path(label: str, stride: int) -> str:
    return (f'configs/lightpose/td-{LABELS[label]}_lightpose-r18-os{stride}_'
            '1xb32-2e_synthpose-128x96.py')
METRICS = ('AP', 'AP .5', 'AP .75', 'AR')


def run(cmd: List[str], log_path: str) -> str:
    """Run ``cmd`` in the repo root, tee its output to ``log_path``."""
    print('$ ' + ' '.join(cmd), flush=True)
    lines = []
    with open(log_path, 'w') as log, subprocess.Popen(
            cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, bufsize=1) as proc:
        for line in proc.stdout:
            log.write(line)
            lines.append(line)
            if re.search(r'Epoch\(train\).*\[\d+0/|coco/AP|Error', line):
                print('  ' + line.rstrip()[-150:], flush=True)
    if proc.returncode != 0:
        raise SystemExit(f'step failed ({proc.returncode}): {" ".join(cmd)}'
                         f'\n{"".join(lines[-40:])}\nfull log: {log_path}')
    return ''.join(lines)


def bin_path(name: str) -> str:
    path = osp.join(osp.dirname(sys.executable), name)
    return path if osp.exists(path) else name


def train_and_test(config: str, work_dir: str) -> Dict[str, float]:
    os.makedirs(work_dir, exist_ok=True)
    t = time.time()
    run([bin_path('mim'), 'train', 'mmpose', config, '--work-dir', work_dir],
        osp.join(work_dir, 'train.log'))
    train_s = time.time() - t
    ckpts = sorted(glob.glob(osp.join(work_dir, 'epoch_*.pth')),
                   key=lambda p: int(re.findall(r'epoch_(\d+)', p)[0]))
    if not ckpts:
        raise SystemExit(f'no checkpoint in {work_dir}')
    out = run([bin_path('mim'), 'test', 'mmpose', config, '--checkpoint',
               ckpts[-1], '--work-dir', osp.join(work_dir, 'test')],
              osp.join(work_dir, 'test.log'))
    result = dict(train_s=round(train_s, 1), checkpoint=osp.relpath(
        ckpts[-1], ROOT))
    for m in METRICS:
        found = re.findall(r'coco/' + re.escape(m) + r': ([0-9.]+)', out)
        if not found:
            raise SystemExit(f'mim test printed no coco/{m}')
        result[m] = float(found[-1])
    return result


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
