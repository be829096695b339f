"""The main job: SynthPose -> `mim train` -> `mim test` -> MMPoseInferencer.

    python tools/benchmark/quickstart.py [--work-dir work_dirs/quickstart]

1. generates SynthPose in data/synthpose (if missing),
2. trains the quickstart TransPose config with ``mim train mmpose``,
3. evaluates the last checkpoint with ``mim test mmpose`` (COCO AP on
   SynthPose val),
4. runs ``MMPoseInferencer`` with that config and checkpoint on a real photo
   (matplotlib's bundled portrait of Grace Hopper) with the whole image as
   the person box, saving the visualisation,

then prints a table of the AP and the wall time of each step and writes it to
``WORK_DIR/quickstart_result.json``. Exits non-zero if a step fails or the AP
is below ``--min-ap`` (default 0.5).
"""
import argparse
import glob
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, Optional, Sequence

from mim_steps import ROOT, bin_path, coco_metrics, last_checkpoint, run

CONFIG = 'configs/transpose/td-hm_transpose-r18-s-a2_1xb32-2e_synthpose-128x96.py'
DATA = 'data/synthpose'


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/quickstart')
    parser.add_argument('--config', default=CONFIG)
    parser.add_argument('--data', default=DATA,
                        help='SynthPose root (generated there if missing)')
    parser.add_argument('--num-train', type=int, default=4000)
    parser.add_argument('--num-val', type=int, default=300)
    parser.add_argument('--num-vis', type=int, default=4,
                        help='SynthPose val people drawn by the inferencer')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--min-ap', type=float, default=0.5)
    parser.add_argument('--image', default=None,
                        help='photo for the inferencer (default: '
                        "matplotlib's sample grace_hopper.jpg)")
    args = parser.parse_args(argv)
    work_dir = osp.join(ROOT, args.work_dir)
    os.makedirs(work_dir, exist_ok=True)
    times: Dict[str, float] = {}
    t_all = time.time()

    # 1. data
    t = time.time()
    if osp.isfile(osp.join(ROOT, args.data, 'annotations',
                           'person_keypoints_val.json')):
        print(f'SynthPose found in {args.data}')
    else:
        run([sys.executable, 'tools/dataset/make_synthpose.py', '--out',
             args.data,
             '--num-train', str(args.num_train), '--num-val',
             str(args.num_val), '--seed', str(args.seed)],
            osp.join(work_dir, 'make_synthpose.log'))
    times['data'] = time.time() - t

    data_opts = []
    if osp.normpath(args.data) != osp.normpath(DATA):
        root = osp.join(ROOT, args.data)
        ann = osp.join(root, 'annotations', 'person_keypoints_val.json')
        data_opts = [
            '--cfg-options', f'train_dataloader.dataset.data_root={root}',
            f'val_dataloader.dataset.data_root={root}',
            f'test_dataloader.dataset.data_root={root}',
            f'val_evaluator.ann_file={ann}', f'test_evaluator.ann_file={ann}'
        ]

    # 2. mim train
    t = time.time()
    run([bin_path('mim'), 'train', 'mmpose', args.config, '--work-dir',
         work_dir] + data_opts, osp.join(work_dir, 'train.log'))
    times['train'] = time.time() - t
    ckpt = last_checkpoint(work_dir)

    # 3. mim test
    t = time.time()
    out = run([bin_path('mim'), 'test', 'mmpose', args.config,
               '--checkpoint', ckpt, '--work-dir',
               osp.join(work_dir, 'test')] + data_opts,
              osp.join(work_dir, 'test.log'))
    times['test'] = time.time() - t
    ap = coco_metrics(out, ['AP'])['AP']

    # 4. inferencer on a real photo, whole image as the box
    t = time.time()
    image = args.image
    if image is None:
        import matplotlib.cbook
        image = str(matplotlib.cbook.get_sample_data(
            'grace_hopper.jpg', asfileobj=False))
    from mmpose.apis import MMPoseInferencer
    inferencer = MMPoseInferencer(
        pose2d=osp.join(ROOT, args.config), pose2d_weights=ckpt,
        det_model='whole_image', device='cpu')
    vis_dir = osp.join(work_dir, 'vis')
    result = next(inferencer(image, vis_out_dir=vis_dir, radius=4,
                             thickness=2))
    pred = result['predictions'][0][0]
    # where the model is meant to be right: SynthPose val people, each cut
    # out with its ground-truth box (x 1.25, the crop the model was trained
    # on) so that the inferencer's whole-image box is that box
    people = synthpose_people(osp.join(ROOT, args.data), work_dir,
                              args.num_vis)
    synth_dir = osp.join(work_dir, 'vis_synthpose')
    for path in people:
        next(inferencer(path, vis_out_dir=synth_dir, radius=2,
                        thickness=1))
    vis = sorted(glob.glob(osp.join(vis_dir, '*')))
    synth_vis = sorted(glob.glob(osp.join(synth_dir, '*')))
    panel = osp.join(work_dir, 'inferencer_panel.png')
    side_by_side(vis + synth_vis, panel)
    times['inferencer'] = time.time() - t
    times['total'] = time.time() - t_all

    summary = dict(
        config=args.config,
        checkpoint=osp.relpath(ckpt, ROOT),
        synthpose_val_AP=ap,
        min_ap=args.min_ap,
        inferencer_image=image,
        inferencer_visualisation=[osp.relpath(v, ROOT) for v in vis],
        synthpose_visualisation=[osp.relpath(v, ROOT) for v in synth_vis],
        inferencer_panel=osp.relpath(panel, ROOT),
        inferencer_mean_keypoint_score=float(
            sum(pred['keypoint_scores']) / len(pred['keypoint_scores'])),
        seconds={k: round(v, 1) for k, v in times.items()})
    with open(osp.join(work_dir, 'quickstart_result.json'), 'w') as f:
        json.dump(summary, f, indent=2)
    print('\n| step | seconds |\n|---|---|')
    for k, v in times.items():
        print(f'| {k} | {v:.1f} |')
    print(f'\nSynthPose val COCO AP: {ap:.3f} (target >= {args.min_ap})')
    print(f'inferencer on the real photo (shows the tooling, not accuracy: '
          f'the model has seen only SynthPose): '
          f'{", ".join(summary["inferencer_visualisation"])}')
    print('inferencer on SynthPose val people (where it is meant to be '
          f'right): {", ".join(summary["synthpose_visualisation"])}')
    print(f'side by side: {summary["inferencer_panel"]}')
    print(f'result: {osp.relpath(work_dir, ROOT)}/quickstart_result.json')
    if ap < args.min_ap:
        raise SystemExit(f'AP {ap:.3f} below the target {args.min_ap}')
    return summary


def synthpose_people(data: str, work_dir: str, num: int):
    """Cut ``num`` SynthPose val people out with their ground-truth box
    enlarged by 1.25 (the top-down crop of training); returns the image
    paths (written under ``work_dir/synthpose_people``)."""
    import cv2
    ann = json.load(open(osp.join(data, 'annotations',
                                  'person_keypoints_val.json')))
    images = {i['id']: i for i in ann['images']}
    out_dir = osp.join(work_dir, 'synthpose_people')
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for a in ann['annotations']:
        if len(paths) == num:
            break
        if a['num_keypoints'] < 12:  # mostly visible people
            continue
        img = cv2.imread(osp.join(data, 'val',
                                  images[a['image_id']]['file_name']))
        x, y, w, h = a['bbox']
        cx, cy, s = x + w / 2, y + h / 2, 1.25
        x1, y1 = int(max(cx - s * w / 2, 0)), int(max(cy - s * h / 2, 0))
        x2 = int(min(cx + s * w / 2, img.shape[1]))
        y2 = int(min(cy + s * h / 2, img.shape[0]))
        path = osp.join(out_dir, f'person_{a["id"]}.png')
        cv2.imwrite(path, cv2.resize(img[y1:y2, x1:x2], None, fx=2, fy=2,
                                     interpolation=cv2.INTER_NEAREST))
        paths.append(path)
    return paths


def side_by_side(paths, out: str, height: int = 320) -> None:
    """The visualisations in one row, each scaled to ``height``."""
    import cv2
    import numpy as np
    tiles = []
    for p in paths:
        img = cv2.imread(p)
        if img is None:
            continue
        tiles.append(cv2.resize(img, (int(img.shape[1] * height /
                                          img.shape[0]), height)))
        tiles.append(np.full((height, 8, 3), 255, np.uint8))
    if tiles:
        cv2.imwrite(out, np.concatenate(tiles[:-1], axis=1))


if __name__ == '__main__':
    main()
