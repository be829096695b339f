"""Parameter and FLOP counts of the project's models beside the papers'.

    python tools/analysis/model_complexity.py                 # every config
    python tools/analysis/model_complexity.py CONFIG [CONFIG ...]

Counting conventions (stated because papers differ):

- ``Params``: every parameter of the built model, frozen ones included. This
  is how TransPose counts: its 2D sine position embedding is a frozen
  parameter and is part of its numbers (Table 4: 4.999M without, 5.195M with).
- ``GFLOPs``: MMEngine's ``FlopAnalyzer`` (fvcore convention: one
  multiply-add = one FLOP) on one image at the config's input size, in
  ``tensor`` mode (no flip test), with every attention's projections and
  two matrix products counted (:func:`_counted_attention`: no fused
  attention kernel hides them). ``GFLOPs conv+fc`` counts only
  convolutions and linear layers (the convention of TransPose's Table 2 for
  SimpleBaseline / HRNet: "only include the convolution and linear layers").
- ``GFLOPs thop-deconv``: ``GFLOPs`` with transposed convolutions counted
  per output pixel (s^2 times their real cost), the convention that
  reproduces TransPose-R's Table 2 numbers (see
  :func:`_deconv_output_count_extra`).

- Not counted: ``grid_sample`` (the bilinear sampling of deformable
  attention and of the end-to-end PRTR's STN crops) and element-wise ops.

Bottom-up (end-to-end PRTR) configs are counted at their
``complexity_input_size`` with the keypoint stage run on ``num_people``
people, as tensor mode does.

Paper numbers come from each config's ``paper`` dict.
"""
import argparse
import contextlib
import glob
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def project_configs() -> List[str]:
    """Every leaf config under configs/ (no ``_base_`` fragments)."""
    files = sorted(glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                             recursive=True))
    return [f for f in files if '_base_' not in f.split(osp.sep)]


def input_size_of(cfg) -> Sequence[int]:
    """``(w, h)`` of the model input: the config's ``complexity_input_size``
    (bottom-up models, whose input size varies), else the codec's, else
    TopdownAffine's."""
    if cfg.get('complexity_input_size'):
        return tuple(cfg.complexity_input_size)
    codec = cfg.model.get('head', {}).get('decoder') or cfg.get('codec')
    if codec is not None and 'input_size' in codec:
        return tuple(codec['input_size'])
    for step in cfg.test_dataloader.dataset.pipeline:
        if 'input_size' in step:
            return tuple(step['input_size'])
    raise ValueError('cannot find the input size in the config')


def _sdpa_flop_jit(inputs, outputs) -> int:
    """``aten::scaled_dot_product_attention(q, k, v, ...)``: its two matrix
    products, ``q k^T`` (L x S x E) and ``A v`` (L x S x Ev), per batch and
    head (the softmax, like other element-wise ops, is not counted)."""
    from mmengine.analysis.jit_handles import get_shape
    q, k, v = (get_shape(x) for x in inputs[:3])
    batch = int(np.prod(q[:-2]))
    return batch * q[-2] * k[-2] * (q[-1] + v[-1])


def _baddbmm_flop_jit(inputs, outputs) -> int:
    """``aten::baddbmm(input, b1, b2)``: the batch product ``b1 @ b2`` (how
    ``MultiheadAttention`` takes ``q k^T`` when it has a mask)."""
    from mmengine.analysis.jit_handles import get_shape
    n, c, t = get_shape(inputs[1])
    return n * c * t * get_shape(inputs[2])[-1]


@contextlib.contextmanager
def _counted_attention():
    """Keep ``nn.MultiheadAttention`` off its fused fast path
    (``aten::_native_multi_head_attention``, taken in eval / no-grad for
    self-attention whose query, key and value are one tensor, as LOFR's
    encoder), which the FLOP counter cannot see into: outside it the
    projections are ``aten::linear`` and the attention products
    ``aten::bmm`` / ``baddbmm`` / ``scaled_dot_product_attention``, all
    counted."""
    enabled = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        yield
    finally:
        torch.backends.mha.set_fastpath_enabled(enabled)


def flops_by_operator(model: torch.nn.Module, inputs: tuple
                      ) -> Dict[str, int]:
    """MMEngine's ``FlopAnalyzer`` of ``model(*inputs)`` (no grad) by
    operator, with every attention counted (:func:`_counted_attention`,
    :func:`_sdpa_flop_jit`, :func:`_baddbmm_flop_jit`)."""
    from mmengine.analysis import FlopAnalyzer
    with torch.no_grad(), _counted_attention():
        analyzer = FlopAnalyzer(model, inputs)
        analyzer.set_op_handle(
            'aten::scaled_dot_product_attention', _sdpa_flop_jit,
            'aten::baddbmm', _baddbmm_flop_jit)
        analyzer.unsupported_ops_warnings(False)
        analyzer.uncalled_modules_warnings(False)
        return dict(analyzer.by_operator())


def _deconv_output_count_extra(model: torch.nn.Module, inputs) -> int:
    """FLOPs that counting a transposed convolution per *output* pixel adds.

    A stride-s ``ConvTranspose2d`` really does ``H_in * W_in * C_in * C_out
    * k * k`` multiply-adds (what MMEngine counts). Counters such as thop
    count ``H_out * W_out * C_out * C_in * k * k``, s^2 times more; TransPose's
    Table 2 numbers for TP-R (which has one such layer) follow the latter.
    """
    extra = []

    def hook(m, args, out):
        per_pixel = m.in_channels * m.out_channels * m.kernel_size[0] * \
            m.kernel_size[1] // m.groups
        extra.append((out[0, 0].numel() - args[0][0, 0].numel()) * per_pixel)

    handles = [
        m.register_forward_hook(hook) for m in model.modules()
        if isinstance(m, torch.nn.ConvTranspose2d)
    ]
    try:
        model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    return sum(extra)


def complexity(config: str) -> Dict[str, float]:
    """Build ``config`` on CPU and count its parameters and FLOPs."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    import mmpose_tfx  # noqa: F401

    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    model = MODELS.build(cfg.model).eval()
    params = sum(p.numel() for p in model.parameters())
    w, h = input_size_of(cfg)

    class TensorMode(torch.nn.Module):

        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, x):
            return self.net(x, None, mode='tensor')

    wrapper = TensorMode(model)
    inputs = (torch.randn(1, 3, h, w), )
    by_op = flops_by_operator(wrapper, inputs)
    with torch.no_grad():
        deconv_extra = _deconv_output_count_extra(wrapper, inputs)
    flops = sum(by_op.values())
    convfc_flops = by_op.get('conv', 0) + by_op.get('linear', 0) + \
        by_op.get('addmm', 0)
    paper = cfg.get('paper', {}) or {}
    return dict(
        config=osp.relpath(osp.abspath(config), ROOT),
        input=f'{h}x{w}',
        params_m=params / 1e6,
        gflops=flops / 1e9,
        gflops_convfc=convfc_flops / 1e9,
        gflops_thop_deconv=(flops + deconv_extra) / 1e9,
        paper_params_m=paper.get('params_m'),
        paper_gflops=paper.get('gflops'),
        paper_ap=paper.get('ap'),
        paper_metric=paper.get('metric', ''))


def format_table(rows: List[Dict[str, float]]) -> str:
    """Markdown table of :func:`complexity` rows."""

    def num(v, fmt):
        return '-' if v is None else format(v, fmt)

    def ratio(ours, ref):
        return '-' if ref is None else f'{100 * (ours / ref - 1):+.1f}%'

    lines = [
        '| config | input | Params (M) | paper Params (M) | diff | GFLOPs | '
        'GFLOPs conv+fc | GFLOPs thop-deconv | paper GFLOPs | paper metric |',
        '|---|---|---|---|---|---|---|---|---|---|'
    ]
    for r in rows:
        lines.append(
            f"| {r['config']} | {r['input']} | {r['params_m']:.3f} | "
            f"{num(r['paper_params_m'], '.1f')} | "
            f"{ratio(r['params_m'], r['paper_params_m'])} | "
            f"{r['gflops']:.2f} | {r['gflops_convfc']:.2f} | "
            f"{r['gflops_thop_deconv']:.2f} | "
            f"{num(r['paper_gflops'], 'g')} | "
            f"{num(r['paper_ap'], '.1f')} {r['paper_metric']} |")
    return '\n'.join(lines)


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        description='Params / GFLOPs of project configs beside the papers')
    parser.add_argument('configs', nargs='*', help='configs (default: all)')
    args = parser.parse_args(argv)
    configs = args.configs or project_configs()
    missing = [c for c in configs if not osp.isfile(c)]
    if missing:
        sys.exit(f'config not found: {", ".join(missing)}')
    rows = [complexity(c) for c in configs]
    print(format_table(rows))


if __name__ == '__main__':
    main()
