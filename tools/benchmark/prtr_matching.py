"""Share of PRTR's Hungarian matching in a training step.

    python tools/benchmark/prtr_matching.py [--config CONFIG ...] \
        [--batch-size 32] [--steps 3] [--warmup 1] [--threads N]

For each config: builds the model (random weights, no download), then runs
``--warmup`` + ``--steps`` full training steps on a synthetic batch
(forward, matching + loss on every decoder layer, backward, AdamW step) and
times, inside the same steps,

- ``matching``: the whole ``KeypointHungarianMatcher`` call (cost matrices
  of all decoder layers, copy to the CPU, scipy ``linear_sum_assignment``
  per instance and layer),
- ``of which LSA``: the scipy solves alone (incl. the finiteness check and
  copy),
- ``step``: the whole training step.

Prints one table row per config with milliseconds per step and the
matching share of the step, measured in the same run. The default is the
paper's setting: R50 at 384x288, Q = 100, 6 decoder layers (aux losses),
batch 32.
"""
import argparse
import os.path as osp
import sys
import time
from typing import Dict, List, Optional, Sequence

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT = ['configs/prtr/td-reg_prtr-r50_4xb32-200e_coco-384x288.py']


class Timer:
    """Accumulates wall time of wrapped calls."""

    def __init__(self, fn):
        self.fn = fn
        self.total = 0.
        self.calls = 0

    def __call__(self, *args, **kwargs):
        t = time.perf_counter()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.total += time.perf_counter() - t
            self.calls += 1


def bench(config: str, batch_size: int, steps: int,
          warmup: int) -> Dict[str, float]:
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS
    from mmpose.testing import get_packed_inputs

    import mmpose_tfx  # noqa: F401
    from mmpose_tfx.models.utils import hungarian_matcher

    cfg = Config.fromfile(osp.join(ROOT, config))
    init_default_scope('mmpose')
    cfg.model.backbone.init_cfg = None
    torch.manual_seed(0)
    # PyTorch's default init (timings do not depend on the init scheme)
    model = MODELS.build(cfg.model)
    model.train()
    head = cfg.model.head
    w, h = head.decoder.input_size
    packed = get_packed_inputs(
        batch_size, num_keypoints=head.num_keypoints, img_shape=(h, w),
        input_size=(w, h), heatmap_size=(w // 4, h // 4), with_heatmap=False,
        with_reg_label=True, with_simcc_label=False)
    optim = torch.optim.AdamW(model.parameters(), lr=1e-5)

    matcher_timer = Timer(type(model.head.matcher).__call__)
    lsa_timer = Timer(hungarian_matcher.solve_assignment)
    type(model.head.matcher).__call__ = \
        lambda self, *a, **k: matcher_timer(self, *a, **k)
    hungarian_matcher.solve_assignment = lsa_timer
    step_times: List[float] = []
    try:
        for i in range(warmup + steps):
            if i == warmup:
                matcher_timer.total = lsa_timer.total = 0.
                matcher_timer.calls = lsa_timer.calls = 0
            t = time.perf_counter()
            data = model.data_preprocessor(packed, training=True)
            losses = model(**data, mode='loss')
            loss = sum(v for k, v in losses.items() if 'loss' in k)
            optim.zero_grad()
            loss.backward()
            optim.step()
            if i >= warmup:
                step_times.append(time.perf_counter() - t)
    finally:
        type(model.head.matcher).__call__ = matcher_timer.fn
        hungarian_matcher.solve_assignment = lsa_timer.fn
    step = sum(step_times) / steps
    match = matcher_timer.total / steps
    lsa = lsa_timer.total / steps
    layers = head.num_decoder_layers if head.get('aux_loss', True) else 1
    return dict(config=config, batch=batch_size, queries=head.num_queries,
                layers=layers, step_ms=1e3 * step, match_ms=1e3 * match,
                lsa_ms=1e3 * lsa, share=match / step,
                solves=batch_size * layers)


def main(argv: Optional[Sequence[str]] = None) -> List[Dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--config', nargs='+', default=DEFAULT)
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--steps', type=int, default=3)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--threads', type=int, default=None,
                        help='torch intra-op threads (default: torch\'s)')
    args = parser.parse_args(argv)
    if args.steps < 1 or args.batch_size < 1:
        sys.exit('--steps and --batch-size must be >= 1')
    if args.threads:
        torch.set_num_threads(args.threads)
    rows = [
        bench(c, args.batch_size, args.steps, args.warmup)
        for c in args.config
    ]
    print(f'torch {torch.__version__}, device cpu, '
          f'{torch.get_num_threads()} threads, {args.steps} timed steps '
          f'after {args.warmup} warm-up')
    print('| config | batch | Q | decoder layers matched | LSA solves/step '
          '| step (ms) | matching (ms) | of which LSA (ms) | matching share |')
    print('|---|---|---|---|---|---|---|---|---|')
    for r in rows:
        print(f"| {osp.basename(r['config'])} | {r['batch']} | "
              f"{r['queries']} | {r['layers']} | {r['solves']} | "
              f"{r['step_ms']:.0f} | {r['match_ms']:.1f} | "
              f"{r['lsa_ms']:.1f} | {100 * r['share']:.2f}% |")
    return rows


if __name__ == '__main__':
    main()
