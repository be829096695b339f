"""Inference throughput of LightPose-R50 vs MMPose's stock SimpleBaseline-R50
at 256x192, measured in the same run on this machine.

    flock /tmp/mmpose_tfx_cpu.lock \
        python tools/benchmark/lightpose_throughput.py

Both models are built from their configs (random weights: speed does not
depend on them), in eval mode, on the same device and thread count. Each
measurement is the median over ``--repeats`` timed rounds, the two models
alternating round by round so that load changes on a shared machine hit both
alike. Modes:

- ``forward``: the network only (``mode='tensor'``),
- ``predict``: what inference does (``mode='predict'``: flip test as each
  config sets it, decoding, mapping back to the image).

Prints a table (images/s, ms/image) and the LightPose / SimpleBaseline
throughput ratio per mode and batch size.
"""
import argparse
import os.path as osp
import statistics
import time
from typing import Dict, List, Optional, Sequence

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MODELS_ = {
    'LightPose-R50': osp.join(
        ROOT, 'configs/lightpose/'
        'td-hmoff_lightpose-r50_4xb32-220e_coco-256x192.py'),
    'SimpleBaseline-R50': 'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_res50_8xb64-210e_coco-256x192.py',
}


def resolve(config: str) -> str:
    """``mmpose::path`` -> the config file installed with MMPose."""
    if config.startswith('mmpose::'):
        import mmpose
        return osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs',
                        config[len('mmpose::'):])
    return config
BASELINE = 'SimpleBaseline-R50'


def build(config: str, device: str):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    import mmpose_tfx  # noqa: F401
    cfg = Config.fromfile(resolve(config))
    init_default_scope('mmpose')
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model).to(device)
    model.eval()
    return model, cfg


def make_batch(cfg, batch_size: int, device: str) -> dict:
    from mmpose.testing import get_packed_inputs
    w, h = cfg.codec['input_size']
    k = cfg.model.head.out_channels
    packed = get_packed_inputs(
        batch_size, num_keypoints=k, img_shape=(h, w), input_size=(w, h),
        with_heatmap=False, with_reg_label=False, with_simcc_label=False)
    flip = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
    for s in packed['data_samples']:
        s.set_metainfo(dict(flip_indices=flip))
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


def main(argv: Optional[Sequence[str]] = None) -> List[Dict]:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=[1, 8])
    parser.add_argument('--iters', type=int, default=5,
                        help='calls per timed round')
    parser.add_argument('--repeats', type=int, default=5,
                        help='timed rounds per model (median reported)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--threads', type=int, default=None)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    built = {n: build(c, args.device) for n, c in MODELS_.items()}
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
                base = statistics.median(samples[BASELINE])
                for name, s in samples.items():
                    sec = statistics.median(s)
                    rows.append(dict(
                        model=name, mode=mode, batch=bs,
                        ms_per_image=1e3 * sec / bs,
                        images_per_s=bs / sec,
                        ratio=base / sec))

    print(f'\nInference at 256x192 on {args.device} '
          f'({torch.get_num_threads()} threads), median of {args.repeats} '
          f'rounds x {args.iters} calls\n')
    print('| model | params (M) | mode | batch | ms / image | images / s | '
          f'throughput vs {BASELINE} |')
    print('|---|---|---|---|---|---|---|')
    for r in rows:
        print(f"| {r['model']} | {params[r['model']]:.1f} | {r['mode']} | "
              f"{r['batch']} | {r['ms_per_image']:.1f} | "
              f"{r['images_per_s']:.1f} | {r['ratio']:.2f}x |")
    return rows


if __name__ == '__main__':
    main()
