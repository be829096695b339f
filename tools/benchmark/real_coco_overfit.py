"""Proof on real annotations: fit the quickstart TransPose on the 14 real COCO
instances in ../shared/data/coco (ground-truth boxes) and evaluate on the
same instances with MMPose's CocoMetric.

    python tools/benchmark/real_coco_overfit.py [--iters 300] [--min-ap 0.9]

The images go through MMPose's real pipeline (box -> centre/scale, random
flip, affine crop, MSRA/DARK heatmap codec), the model predicts with flip
test, and CocoMetric scores in original image coordinates, so a wrong
coordinate frame, flip pairing or affine anywhere shows up as a low AP. The
data are far too few to measure accuracy: reaching a high AP only proves the
plumbing. Prints a table (AP, iterations, seconds) and exits non-zero below
``--min-ap``.
"""
import argparse
import os.path as osp
import tempfile
import time
from typing import Optional, Sequence

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
QUICKSTART = osp.join(
    ROOT, 'configs', 'transpose',
    'td-hm_transpose-r18-s-a2_1xb32-2e_synthpose-128x96.py')
COCO = osp.normpath(osp.join(ROOT, '..', 'shared', 'data', 'coco'))


def build_cfg(work_dir: str, iters: int, input_size=(192, 256),
              lr: float = 1e-3, coco_dir: str = COCO):
    """Quickstart model at ``input_size`` (w, h), trained and evaluated on
    ``coco_dir/test_coco.json`` with ground-truth boxes."""
    from mmengine.config import Config

    ann = osp.join(coco_dir, 'test_coco.json')
    if not osp.isfile(ann):
        raise FileNotFoundError(f'real COCO sample not found: {ann}')
    cfg = Config.fromfile(QUICKSTART)
    w, h = input_size
    codec = dict(type='MSRAHeatmap', input_size=(w, h),
                 heatmap_size=(w // 4, h // 4), sigma=2, unbiased=True)
    cfg.model.head.decoder = codec
    cfg.model.neck.feat_size = (h // 8, w // 8)
    train_pipeline = [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale'),
        dict(type='RandomFlip', direction='horizontal'),
        dict(type='TopdownAffine', input_size=codec['input_size']),
        dict(type='GenerateTarget', encoder=codec),
        dict(type='PackPoseInputs')
    ]
    val_pipeline = [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale'),
        dict(type='TopdownAffine', input_size=codec['input_size']),
        dict(type='PackPoseInputs')
    ]
    dataset = dict(type='CocoDataset', data_root=coco_dir, data_mode='topdown',
                   ann_file='test_coco.json', data_prefix=dict(img=''))
    cfg.train_dataloader = dict(
        batch_size=12, num_workers=0, persistent_workers=False,
        sampler=dict(type='InfiniteSampler', shuffle=True),
        dataset=dict(dataset, pipeline=train_pipeline))
    cfg.val_dataloader = dict(
        batch_size=16, num_workers=0, persistent_workers=False,
        drop_last=False, sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(dataset, pipeline=val_pipeline, test_mode=True))
    cfg.test_dataloader = cfg.val_dataloader
    cfg.val_evaluator = dict(type='CocoMetric', ann_file=ann)
    cfg.test_evaluator = cfg.val_evaluator
    cfg.train_cfg = dict(type='IterBasedTrainLoop',
                         max_iters=iters, val_interval=iters)
    cfg.optim_wrapper = dict(optimizer=dict(type='Adam', lr=lr))
    cfg.param_scheduler = [
        dict(type='LinearLR', begin=0, end=min(50, iters), start_factor=0.01,
             by_epoch=False),
        dict(type='CosineAnnealingLR', T_max=iters, begin=0, end=iters,
             eta_min=lr * 0.01, by_epoch=False)
    ]
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=50)
    cfg.log_processor = dict(type='LogProcessor', window_size=10,
                             by_epoch=False)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook',
                                        interval=iters, by_epoch=False)
    cfg.auto_scale_lr = dict(enable=False, base_batch_size=12)
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=0)
    return cfg


def run(iters: int = 300, work_dir: Optional[str] = None, **kwargs) -> dict:
    """Train and evaluate; returns ``dict(ap=..., seconds=..., iters=...)``."""
    from mmengine.runner import Runner

    import mmpose_tfx  # noqa: F401

    work_dir = work_dir or tempfile.mkdtemp(prefix='real_coco_overfit_')
    cfg = build_cfg(work_dir, iters, **kwargs)
    start = time.time()
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    return dict(ap=float(metrics['coco/AP']), ar=float(metrics['coco/AR']),
                iters=iters, seconds=time.time() - start,
                work_dir=work_dir)


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--iters', type=int, default=300)
    parser.add_argument('--min-ap', type=float, default=0.9)
    parser.add_argument('--work-dir', default='work_dirs/real_coco_overfit')
    args = parser.parse_args(argv)
    res = run(args.iters, osp.join(ROOT, args.work_dir))
    print('\n| data | instances | iters | COCO AP | COCO AR | seconds |')
    print('|---|---|---|---|---|---|')
    print(f"| ../shared/data/coco (GT boxes, train = eval) | 14 | "
          f"{res['iters']} | {res['ap']:.3f} | {res['ar']:.3f} | "
          f"{res['seconds']:.0f} |")
    if res['ap'] < args.min_ap:
        raise SystemExit(f"AP {res['ap']:.3f} below {args.min_ap}")


if __name__ == '__main__':
    main()
