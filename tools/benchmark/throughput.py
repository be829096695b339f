"""Inference throughput of project models against an MMPose baseline,
measured in the same run on this machine (shared by
``lightpose_throughput.py`` and ``tfpose_throughput.py``).

Every model is built from its config (random weights: speed does not depend
on them), in eval mode, on the same device and thread count. Each
measurement is the median over ``--repeats`` timed rounds, the models
alternating round by round so that load changes on a shared machine hit all
alike. Modes:

- ``forward``: the network only (``mode='tensor'``),
- ``predict``: what inference does (``mode='predict'``: flip test as each
  config sets it, decoding, mapping back to the image).
"""
import argparse
import os.path as osp
import statistics
import time
from typing import Dict, List, Optional, Sequence

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
COCO_FLIP = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]


def resolve(config: str) -> str:
    """``mmpose::path`` -> the config file installed with MMPose; a
    relative path is taken from the repository root."""
    if config.startswith('mmpose::'):
        import mmpose
        return osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs',
                        config[len('mmpose::'):])
    return config if osp.isabs(config) else osp.join(ROOT, config)


def build(config: str, device: str):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    import mmpose_tfx  # noqa: F401
    cfg = Config.fromfile(resolve(config))
    init_default_scope('mmpose')
    cfg.model.backbone.init_cfg = None  # random weights, no download
    if 'person_detector' in cfg.model.get('head', {}):
        cfg.model.head.person_detector.init_cfg = None
    model = MODELS.build(cfg.model).to(device)
    model.eval()
    return model, cfg


def make_batch(cfg, batch_size: int, device: str) -> dict:
    """Random top-down inputs at the config's input size (COCO flip
    indices)."""
    from mmpose.testing import get_packed_inputs
    w, h = cfg.codec['input_size']
    head = cfg.model.head
    k = head.get('out_channels', head.get('num_keypoints'))
    packed = get_packed_inputs(
        batch_size, num_keypoints=k, img_shape=(h, w), input_size=(w, h),
        with_heatmap=False, with_reg_label=False, with_simcc_label=False)
    for s in packed['data_samples']:
        s.set_metainfo(dict(flip_indices=COCO_FLIP[:k]))
    packed['inputs'] = [x.to(device) for x in packed['inputs']]
    return packed


def timed(fn, iters: int, device: str) -> float:
    if device.startswith('cuda'):
        torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(iters):
        fn()
    if device.startswith('cuda'):
        torch.cuda.synchronize()
    return (time.perf_counter() - t) / iters


def parse_args(description: str,
               argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=[1, 8])
    parser.add_argument('--iters', type=int, default=5,
                        help='calls per timed round')
    parser.add_argument('--repeats', type=int, default=5,
                        help='timed rounds per model (median reported)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--threads', type=int, default=None)
    return parser.parse_args(argv)


def compare(models: Dict[str, str], baseline: str, args: argparse.Namespace,
            title: str) -> List[Dict]:
    """Measure every model of ``models`` (name -> config) and print a
    table with each one's throughput relative to ``baseline``."""
    if args.threads:
        torch.set_num_threads(args.threads)
    built = {n: build(c, args.device) for n, c in models.items()}
    params = {
        n: sum(p.numel() for p in m.parameters()) / 1e6
        for n, (m, _) in built.items()
    }
    rows = []
    with torch.no_grad():
        for mode in ('forward', 'predict'):
            for bs in args.batch_sizes:
                calls = {}
                for name, (model, cfg) in built.items():
                    packed = make_batch(cfg, bs, args.device)
                    data = model.data_preprocessor(packed, training=False)
                    if mode == 'forward':
                        calls[name] = (lambda m, d: lambda: m(
                            d['inputs'], None, mode='tensor'))(model, data)
                    else:
                        calls[name] = (lambda m, d: lambda: m(
                            **d, mode='predict'))(model, data)
                    calls[name]()  # warm-up
                    calls[name]()
                samples = {n: [] for n in calls}
                for _ in range(args.repeats):
                    for name, fn in calls.items():
                        samples[name].append(timed(fn, args.iters,
                                                   args.device))
                base = statistics.median(samples[baseline])
                for name, s in samples.items():
                    sec = statistics.median(s)
                    rows.append(dict(
                        model=name, mode=mode, batch=bs,
                        params_m=params[name],
                        ms_per_image=1e3 * sec / bs,
                        images_per_s=bs / sec,
                        ratio=base / sec))

    print(f'\n{title} on {args.device} ({torch.get_num_threads()} threads), '
          f'median of {args.repeats} rounds x {args.iters} calls\n')
    print('| model | params (M) | mode | batch | ms / image | images / s | '
          f'throughput vs {baseline} |')
    print('|---|---|---|---|---|---|---|')
    for r in rows:
        print(f"| {r['model']} | {r['params_m']:.1f} | {r['mode']} | "
              f"{r['batch']} | {r['ms_per_image']:.1f} | "
              f"{r['images_per_s']:.1f} | {r['ratio']:.2f}x |")
    return rows
