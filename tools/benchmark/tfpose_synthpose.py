"""TFPose on SynthPose: the auxiliary heatmap loss vs regression alone (the
pattern of the paper's Table 4 / Fig. 5), and the keypoint-score choice.

    flock /tmp/mmpose_tfx_cpu.lock python tools/benchmark/tfpose_synthpose.py

Trains the CPU quickstart config (``td-reg_tfpose-r18-e2d3_1xb32-2e_...``,
L_reg + 50 x L_aux) and its twin without the auxiliary branch
(``..._e2d3-noaux_...``, L_reg only) one after the other with ``mim train
mmpose`` (same data, schedule and budget as the TransPose quickstart: 2
epochs at 128x96, validation after each epoch), evaluates each last
checkpoint with ``mim test mmpose`` (COCO AP on SynthPose val, flip test),
and once more with ``model.test_cfg.score_mode=constant`` (every keypoint
score 1) to measure what the agreement score adds to COCO's rescoring.

Writes ``WORK_DIR/tfpose_synthpose.json`` and the loss / AP curves of both
runs as ``docs/tfpose_aux_loss.png`` (``--plot``).
"""
import argparse
import json
import os.path as osp
from typing import Dict, Optional, Sequence

from mim_steps import (COCO_METRICS, ROOT, bin_path, coco_metrics,
                       logged_scalars, run, train_and_test)

CONFIGS = {
    'with aux loss':
    'configs/tfpose/td-reg_tfpose-r18-e2d3_1xb32-2e_synthpose-128x96.py',
    'without aux loss':
    'configs/tfpose/td-reg_tfpose-r18-e2d3-noaux_1xb32-2e_synthpose-128x96.py',
}
# validate after every epoch: the AP curve of Fig. 5
OPTIONS = ['train_cfg.val_interval=1']


def curves(work_dir: str) -> Dict[str, list]:
    """Final-layer L1 (``loss_kpt``) per logged iteration and val AP per
    epoch, from the run's scalars.json."""
    records = logged_scalars(work_dir)
    loss = [(r['step'], r['loss_kpt']) for r in records if 'loss_kpt' in r]
    aux = [(r['step'], r['loss_aux_heatmap']) for r in records
           if 'loss_aux_heatmap' in r]
    ap = [(r['step'], r['coco/AP']) for r in records if 'coco/AP' in r]
    return dict(loss_kpt=loss, loss_aux_heatmap=aux, val_ap=ap)


def plot(results: Dict[str, dict], out: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.4))
    for name, r in results.items():
        it, v = zip(*r['curves']['loss_kpt'])
        a.plot(it, v, label=name)
        ep, ap = zip(*r['curves']['val_ap'])
        b.plot(ep, ap, 'o-', label=f"{name} (final {r['AP']:.3f})")
    a.set_xlabel('iteration (batch 32)')
    a.set_ylabel('final-layer L1 (normalised coords)')
    a.set_yscale('log')
    a.set_title('training loss (L_reg of the last decoder layer)',
                fontsize=9)
    b.set_xlabel('epoch')
    b.set_ylabel('SynthPose val AP')
    b.set_title('validation AP (flip test)', fontsize=9)
    for ax in (a, b):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle('TFPose CPU quickstart on SynthPose: auxiliary heatmap loss '
                 '(lambda = 50) vs regression only', fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, dict]:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/tfpose_synthpose')
    parser.add_argument('--plot', default='docs/tfpose_aux_loss.png',
                        help='PNG of the curves (empty: no plot)')
    args = parser.parse_args(argv)
    work_dir = osp.join(ROOT, args.work_dir)
    if not osp.isfile(osp.join(ROOT, 'data/synthpose/annotations/'
                               'person_keypoints_val.json')):
        raise SystemExit('SynthPose missing: run tools/dataset/'
                         'make_synthpose.py --out data/synthpose first')
    results = {}
    for name, config in CONFIGS.items():
        run_dir = osp.join(work_dir, osp.splitext(osp.basename(config))[0])
        r = train_and_test(config, run_dir, OPTIONS)
        out = run([bin_path('mim'), 'test', 'mmpose', config,
                   '--checkpoint', osp.join(ROOT, r['checkpoint']),
                   '--work-dir', osp.join(run_dir, 'test_constant'),
                   '--cfg-options', 'model.test_cfg.score_mode=constant'],
                  osp.join(run_dir, 'test_constant.log'))
        r['AP constant score'] = coco_metrics(out, ('AP', ))['AP']
        r['curves'] = curves(run_dir)
        results[name] = dict(config=config, **r)
    out = osp.join(work_dir, 'tfpose_synthpose.json')
    with open(out, 'w') as f:
        json.dump(results, f, indent=2)
    if args.plot:
        plot(results, osp.join(ROOT, args.plot))

    print('\nSynthPose val (300 images), 128x96 input, 2 epochs on CPU\n')
    print('| run | ' + ' | '.join(COCO_METRICS) +
          ' | AP, constant scores | val AP per epoch | train s |')
    print('|---|' + '---|' * (len(COCO_METRICS) + 3))
    for name, r in results.items():
        per_epoch = ', '.join(f'{v:.3f}' for _, v in r['curves']['val_ap'])
        print(f'| {name} | ' + ' | '.join(f'{r[m]:.3f}'
                                          for m in COCO_METRICS) +
              f" | {r['AP constant score']:.3f} | {per_epoch} | "
              f"{r['train_s']:.0f} |")
    print(f'result: {osp.relpath(out, ROOT)}'
          + (f', plot: {args.plot}' if args.plot else ''))
    return results


if __name__ == '__main__':
    main()
