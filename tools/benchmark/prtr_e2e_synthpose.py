"""End-to-end PRTR on SynthPose's multi-person images, CPU, two stages as
the paper trains it (a person detector first, then everything jointly).

    flock /tmp/mmpose_tfx_cpu.lock python tools/benchmark/prtr_e2e_synthpose.py

1. ``mim train mmpose configs/prtr/prtr-e2e-det_res18_1xb16-4e_synthpose-
   64x64.py``: the person DETR alone at 64x64;
2. ``mim train mmpose configs/prtr/prtr-e2e_res18_1xb16-10e_synthpose-
   128x128.py``: the whole model at 128x128 from stage 1's checkpoint;
3. ``mim test mmpose`` of stage 2 on SynthPose val: keypoint COCO AP
   (CocoMetric, no NMS) and person box AP (PersonBoxMetric).

Targets (issue #6): keypoint AP >= 0.2 and box AP .5 >= 0.5 within 30
minutes of training. Writes ``WORK_DIR/prtr_e2e_synthpose.json`` and the
learning curves (losses, box AP and keypoint AP after each validation of
both stages, against the cumulative training time) as
``docs/prtr_e2e_curves.png``.

``--attempt WORK_DIR[+WORK_DIR]=LABEL ...`` (no training) plots earlier runs
of other recipes (their logged losses and validations; ``+`` chains the
stages of one run) as
``docs/prtr_e2e_attempts.png``, e.g. the from-scratch joint run of
``prtr-e2e_res18_1xb16-24e_synthpose-128x128.py``.
"""
import argparse
import json
import os.path as osp
import time
from typing import Dict, Optional, Sequence

from mim_steps import (ROOT, bin_path, coco_metrics, last_checkpoint,
                       logged_scalars, run)

STAGES = [
    ('stage 1: person detector, 64x64',
     'configs/prtr/prtr-e2e-det_res18_1xb16-4e_synthpose-64x64.py'),
    ('stage 2: joint, 128x128',
     'configs/prtr/prtr-e2e_res18_1xb16-10e_synthpose-128x128.py'),
]
BOX = ('AP', 'AP .5', 'AR')


def box_metrics(out: str) -> Dict[str, float]:
    import re
    res = {}
    for m in BOX:
        found = re.findall(r'person/' + re.escape(m) + r': ([0-9.]+)', out)
        if not found:
            raise SystemExit(f'mim test printed no person/{m}')
        res[f'box {m}'] = float(found[-1])
    return res


def iteration_seconds(work_dir: str) -> float:
    """Training time proper (no validation, start-up or checkpointing):
    the logged mean iteration time times the iterations of its window."""
    total, prev = 0., 0
    for r in logged_scalars(work_dir):
        if 'time' in r and 'lr' in r:
            total += r['time'] * (r['step'] - prev)
            prev = r['step']
    return total


def curves(work_dir: str) -> Dict[str, list]:
    recs = logged_scalars(work_dir)
    out = dict(step=[], det=[], kpt=[], val_step=[], box_ap50=[], kpt_ap=[])
    last_step = 0
    for r in recs:
        if 'det.loss_bbox' in r:
            last_step = r['step']
            out['step'].append(r['step'])
            out['det'].append(r['det.loss_bbox'] + r['det.loss_iou'] +
                              r['det.loss_cls'])
            out['kpt'].append(r.get('kpt.loss_kpt'))
        if 'person/AP .5' in r:
            out['val_step'].append(last_step)
            out['box_ap50'].append(r['person/AP .5'])
            out['kpt_ap'].append(r.get('coco/AP'))
    return out


def finish(fig, a, b, title: str, out: str) -> None:
    """Legends, grids, the targets (box AP .5 0.5, keypoint AP 0.2) on the
    validation axis ``b``; saves ``out``."""
    import matplotlib.pyplot as plt
    b.set_xlabel('training step')
    b.set_ylabel('SynthPose val')
    for target in (0.5, 0.2):
        b.axhline(target, color='grey', linestyle=':', linewidth=0.8)
    for ax in (a, b):
        ax.legend(fontsize=6)
        ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def plot(results: Dict[str, dict], out: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    offset = 0
    for name, r in results.items():
        c = r['curves']
        steps = [s + offset for s in c['step']]
        a.plot(steps, c['det'], label=f'{name}: DETR loss (last layer)')
        kpt = [(s, v) for s, v in zip(steps, c['kpt']) if v is not None]
        if kpt:
            a.plot(*zip(*kpt), label=f'{name}: keypoint L1 (x5)')
        vs = [s + offset for s in c['val_step']]
        b.plot(vs, c['box_ap50'], 'o-', label=f'{name}: person box AP .5')
        if any(v is not None for v in c['kpt_ap']) and 'joint' in name:
            b.plot(vs, c['kpt_ap'], 's-', label=f'{name}: keypoint AP')
        offset = steps[-1] if steps else offset
    a.set_xlabel('training step (both stages, batch 16)')
    a.set_yscale('log')
    finish(fig, a, b, 'end-to-end PRTR CPU quickstart: detector first, then '
           'jointly', out)


def plot_attempts(attempts: Sequence[str], out: str) -> None:
    """Losses and validations of earlier runs, ``WORK_DIR=LABEL`` each."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    for item in attempts:
        work_dirs, _, label = item.partition('=')
        offset, color = 0, None
        for work_dir in work_dirs.split('+'):
            c = curves(osp.join(ROOT, work_dir))
            steps = [s + offset for s in c['step']]
            line, = a.plot(steps, c['det'], color=color,
                           label=None if color else f'{label}: DETR loss')
            color = line.get_color()
            vs = [s + offset for s in c['val_step']]
            if vs:
                b.plot(vs, c['box_ap50'], 'o-', color=color,
                       label=None if offset else f'{label}: box AP .5')
            kpt = [(s, v) for s, v in zip(vs, c['kpt_ap']) if v]
            if kpt and any(v > 1e-3 for _, v in kpt):
                b.plot(*zip(*kpt), 's--', color=color,
                       label=f'{label}: keypoint AP')
            offset = steps[-1] if steps else offset
    a.set_xlabel('training step (batch 16)')
    a.set_ylabel('last decoder layer: cls + L1 + GIoU')
    finish(fig, a, b, 'end-to-end PRTR CPU quickstart: earlier attempts', out)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, dict]:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--plot', default='docs/prtr_e2e_curves.png')
    parser.add_argument('--attempt', nargs='+', metavar='WORK_DIR=LABEL',
                        help='only plot these earlier runs')
    parser.add_argument('--attempts-plot',
                        default='docs/prtr_e2e_attempts.png')
    args = parser.parse_args(argv)
    if args.attempt:
        plot_attempts(args.attempt, osp.join(ROOT, args.attempts_plot))
        return {}
    if not osp.isfile(osp.join(ROOT, 'data/synthpose/annotations/'
                               'person_keypoints_val.json')):
        raise SystemExit('SynthPose missing: run tools/dataset/'
                         'make_synthpose.py --out data/synthpose first')
    results = {}
    total = 0.
    for name, config in STAGES:
        work_dir = osp.join(ROOT, 'work_dirs',
                            osp.splitext(osp.basename(config))[0])
        t = time.time()
        run([bin_path('mim'), 'train', 'mmpose', config, '--work-dir',
             work_dir], osp.join(work_dir + '.train.log'),
            echo=r'Epoch\(val\)|person/AP|Error')
        secs = time.time() - t
        total += secs
        results[name] = dict(config=config, wall_s=round(secs, 1),
                             train_s=round(iteration_seconds(work_dir), 1),
                             curves=curves(work_dir))
    ckpt = last_checkpoint(work_dir)
    out = run([bin_path('mim'), 'test', 'mmpose', STAGES[-1][1],
               '--checkpoint', ckpt, '--work-dir',
               osp.join(work_dir, 'test')], osp.join(work_dir + '.test.log'))
    final = dict(coco_metrics(out, ('AP', 'AP .5', 'AP .75', 'AR')),
                 **box_metrics(out), config=STAGES[-1][1],
                 wall_s=round(total, 1),
                 train_s=round(sum(results[n]['train_s']
                                   for n, _ in STAGES), 1),
                 checkpoint=osp.relpath(ckpt, ROOT))
    results['final'] = final
    with open(osp.join(ROOT, 'work_dirs', 'prtr_e2e_synthpose.json'),
              'w') as f:
        json.dump(results, f, indent=2)
    if args.plot:
        plot({k: v for k, v in results.items() if k != 'final'},
             osp.join(ROOT, args.plot))
    print('\nSynthPose val (300 images, 574 people), CPU\n')
    print('| stage | config | training s | wall s (with validation) |')
    print('|---|---|---|---|')
    for name, _ in STAGES:
        print(f"| {name} | {results[name]['config']} | "
              f"{results[name]['train_s']:.0f} | "
              f"{results[name]['wall_s']:.0f} |")
    print(f"\nkeypoint AP {final['AP']:.3f} (AP .5 {final['AP .5']:.3f}), "
          f"person box AP {final['box AP']:.3f} (AP .5 "
          f"{final['box AP .5']:.3f}), {final['train_s']:.0f} s of training "
          f"({total:.0f} s wall) in all")
    return results


if __name__ == '__main__':
    main()
