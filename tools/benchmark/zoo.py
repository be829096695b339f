"""The model zoo side by side, measured in one run on this machine.

    flock /tmp/mmpose_tfx_cpu.lock python tools/benchmark/zoo.py \
        [--train] [--threads 2] [--rounds 3] [--families transpose ...]

For every paper config of every family (``configs/<family>/*.py`` without
the SynthPose quickstarts; ablation and semi-supervised variants share a
paper config's network and are left out) at its paper input size, and for
MMPose's stock SimpleBaseline-R50, HRNet-W32 and HRNet-W48 (COCO 256x192):

1. parameters and GFLOPs in both conventions of the README (all ops / conv
   + fc; ``tools/analysis/model_complexity.py``);
2. export to ONNX (``mmpose_tfx/deployment``);
3. CPU latency at batch 1 and throughput at batch 8 of the network (tensor
   mode) in PyTorch eager and in ONNX Runtime, ``--threads`` threads each,
   eager and ONNX Runtime calls alternating round by round, the median of
   ``--rounds`` rounds after one warm-up call each; where the warm-up call
   takes over 4 s (whole-image models at 1376x1024) the warm-up
   calls are the measurement (``rounds`` 0 in the table); each model is
   measured in a forked process, so that one too big for this machine's
   memory at batch 8 keeps its batch-1 numbers (and is listed);
4. the batch-1 eager latency relative to the three stock models measured
   in the same run.

The CPU quickstart configs are measured the same way (batch-1 latency) and
paired with their SynthPose val AP, read from the benchmarks' recorded
results under ``work_dirs/`` (any JSON record with ``config`` and ``AP``,
the newest wins), else from ``docs/quickstart_results.json`` (the committed
record of those measurements, with the command of each), or trained with
``mim train`` / ``mim test`` when missing and ``--train`` is given.

Writes ``docs/zoo.md`` and the plots ``docs/zoo_quickstart_ap_latency.png``
(AP vs latency, quickstarts) and ``docs/zoo_paper_ap_latency.png`` (paper
AP vs measured CPU latency, paper configs). Prints progress per model and
phase. About 25 minutes on 2 cores without ``--train``.
"""
import argparse
import glob
import json
import os
import os.path as osp
import statistics
import sys
import tempfile
import time
from typing import Dict, List, Optional, Sequence

import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.abspath(
    __file__))), 'analysis'))
from mim_steps import ROOT, train_and_test  # noqa: E402
from model_complexity import complexity  # noqa: E402
from throughput import build, resolve  # noqa: E402

FAMILIES = ('transpose', 'lightpose', 'prtr', 'tfpose', 'lofr')
STOCK = {
    'SimpleBaseline-R50': 'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_res50_8xb64-210e_coco-256x192.py',
    'HRNet-W32': 'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_hrnet-w32_8xb64-210e_coco-256x192.py',
    'HRNet-W48': 'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_hrnet-w48_8xb32-210e_coco-256x192.py',
}


def paper_configs(families: Sequence[str]) -> List[str]:
    out = []
    for fam in families:
        for f in sorted(glob.glob(osp.join(ROOT, 'configs', fam, '*.py'))):
            if 'synthpose' not in f:
                out.append(osp.relpath(f, ROOT))
    return out


def quickstart_configs(families: Sequence[str]) -> List[str]:
    out = []
    for fam in families:
        out += [osp.relpath(f, ROOT) for f in sorted(glob.glob(
            osp.join(ROOT, 'configs', fam, '*synthpose*.py')))]
    return out


RECORDS = osp.join(ROOT, 'docs', 'quickstart_results.json')


def recorded_aps() -> Dict[str, tuple]:
    """config -> ``(SynthPose val AP, source)``: the newest JSON record
    under ``work_dirs/`` (any record with ``config`` and ``AP``), else the
    committed ``docs/quickstart_results.json`` (measured by the command it
    names)."""
    found: Dict[str, tuple] = {}

    def visit(obj, mtime, source):
        if isinstance(obj, dict):
            cfg = obj.get('config')
            ap = obj.get('AP')
            if isinstance(cfg, str) and isinstance(ap, (int, float)):
                key = osp.normpath(cfg)
                if key not in found or found[key][2] < mtime:
                    found[key] = (float(ap), source, mtime)
            for v in obj.values():
                visit(v, mtime, source)
        elif isinstance(obj, list):
            for v in obj:
                visit(v, mtime, source)

    for path in glob.glob(osp.join(ROOT, 'work_dirs', '**', '*.json'),
                          recursive=True):
        try:
            with open(path) as f:
                visit(json.load(f), osp.getmtime(path),
                      osp.relpath(path, ROOT))
        except (ValueError, OSError):
            continue
    with open(RECORDS) as f:
        for rec in json.load(f)['records']:
            key = osp.normpath(rec['config'])
            if key not in found:
                found[key] = (float(rec['AP']),
                              f"{rec['doc']} ({rec['date']})", 0)
    return {k: v[:2] for k, v in found.items()}


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def measure(config: str, tmp: str, threads: int, rounds: int,
            batch8: bool = True, heavy_s: float = 4.,
            report=lambda result: None) -> dict:
    """Params / GFLOPs, ONNX export, eager and ORT timings of one
    config; ``report`` gets the result so far after each batch size."""
    from mmpose_tfx.deployment import (OrtModel, TensorMode,
                                       default_input_size, export_onnx)
    name = osp.splitext(osp.basename(config))[0]
    t0 = time.time()
    print(f'[{name}] complexity ...', flush=True)
    cx = complexity(resolve(config))
    model, cfg = build(config, 'cpu')
    w, h = default_input_size(cfg)
    print(f'[{name}] {cx["params_m"]:.2f} M params, {cx["gflops"]:.2f} '
          f'GFLOPs at {h}x{w}; exporting to ONNX ...', flush=True)
    onnx_file = osp.join(tmp, f'{name}.onnx')
    export_onnx(model, onnx_file, (w, h), model_name=name)
    ort = OrtModel(onnx_file, threads=threads)
    net = TensorMode(model).eval()
    torch.set_num_threads(threads)
    result = dict(config=config, input=f'{h}x{w}', **{
        k: cx[k] for k in ('params_m', 'gflops', 'gflops_convfc',
                           'paper_ap', 'paper_metric')
    })
    sizes = [1, 8] if batch8 else [1]
    for b in sizes:
        x = torch.randn(b, 3, h, w)
        xn = x.numpy()
        with torch.no_grad():
            first_e = _timed(lambda: net(x))  # warm-up
            first_o = _timed(lambda: ort(xn))
            if first_e < heavy_s:
                print(f'[{name}] batch {b}: {rounds} round(s) of eager / '
                      f'ONNX Runtime ...', flush=True)
                eager, onnx_rt = [], []
                for _ in range(rounds):
                    eager.append(_timed(lambda: net(x)))
                    onnx_rt.append(_timed(lambda: ort(xn)))
                n = rounds
            else:
                # one call takes over heavy_s: the warm-up calls are the
                # measurement (allocation overhead is negligible there)
                eager, onnx_rt, n = [first_e], [first_o], 0
        if b == 1:
            result['eager_ms'] = 1e3 * statistics.median(eager)
            result['ort_ms'] = 1e3 * statistics.median(onnx_rt)
        else:
            result['eager_ips'] = b / statistics.median(eager)
            result['ort_ips'] = b / statistics.median(onnx_rt)
        result[f'rounds_b{b}'] = n
        report(dict(result))
    print(f"[{name}] eager {result['eager_ms']:.0f} ms, ONNX Runtime "
          f"{result['ort_ms']:.0f} ms at batch 1 ({time.time() - t0:.0f} s)",
          flush=True)
    os.remove(onnx_file)
    return result


def _child(conn, *args, **kwargs) -> None:
    try:
        measure(*args, report=conn.send, **kwargs)
    except Exception as e:  # noqa: BLE001  (sent to the parent)
        conn.send(dict(error=f'{type(e).__name__}: {e}'))
    finally:
        conn.close()


def measure_isolated(config: str, *args, **kwargs) -> dict:
    """``measure`` in a forked process, so that a model too big for this
    machine's memory at batch 8 (LOFR's full attention over the 1/4 level
    at 384x288: the kernel kills the process) loses only that measurement:
    the batch-1 results already reported are kept."""
    import multiprocessing
    ctx = multiprocessing.get_context('fork')
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, config, *args),
                       kwargs=kwargs)
    proc.start()
    send.close()
    result = None
    while True:
        try:
            result = recv.recv()
        except EOFError:
            break
    proc.join()
    if result is None:
        raise RuntimeError(f'the measuring process died (exit code '
                           f'{proc.exitcode}) before any result')
    if 'error' in result:
        raise RuntimeError(result['error'])
    if proc.exitcode != 0:
        result['note'] = (f'batch 8 not measured: the process was killed '
                          f'(exit code {proc.exitcode}; out of memory on '
                          'this machine)')
        print(f'[{config}] {result["note"]}', flush=True)
    return result


def write_markdown(rows: List[dict], stock: Dict[str, dict],
                   quick: List[dict], failed: Dict[str, str], args,
                   out: str) -> None:
    base = {n: r['eager_ms'] for n, r in stock.items()}

    def fmt(v, f='.1f'):
        return '-' if v is None else format(v, f)

    lines = [
        '# Model zoo, side by side',
        '',
        f'Measured in one run of `python tools/benchmark/zoo.py` '
        f'({time.strftime("%Y-%m-%d")}) on this project\'s 2-core CPU '
        f'machine: PyTorch {torch.__version__} eager and ONNX Runtime, '
        f'{args.threads} threads each, random weights, the network only '
        f'(tensor mode: no flip test, no decoding), median of '
        f'{args.rounds} alternating rounds after a warm-up call (`rounds` '
        'column, batch 1 / batch 8; 0: a warm-up call took over 4 s and is '
        'itself the measurement). GFLOPs: MMEngine\'s counter, one '
        'multiply-add = one FLOP; conv+fc counts convolutions and linear '
        'layers only (README). "vs" columns: batch-1 eager latency of the '
        'stock MMPose model divided by this model\'s (> 1: faster), the '
        'stock models measured in the same run.',
        '',
        '| model | input | Params (M) | GFLOPs | GFLOPs conv+fc | '
        'eager ms (b1) | ORT ms (b1) | eager img/s (b8) | ORT img/s (b8) | '
        'vs SB-R50 | vs HRNet-W32 | vs HRNet-W48 | rounds | paper AP |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ]
    for name, r in list(stock.items()) + [(osp.basename(r['config']), r)
                                          for r in rows]:
        ratios = ' | '.join(
            f"{base[s] / r['eager_ms']:.2f}x" for s in STOCK)
        lines.append(
            f"| {name.replace('.py', '')} | {r['input']} | "
            f"{r['params_m']:.2f} | {r['gflops']:.2f} | "
            f"{r['gflops_convfc']:.2f} | {r['eager_ms']:.0f} | "
            f"{r['ort_ms']:.0f} | {fmt(r.get('eager_ips'))} | "
            f"{fmt(r.get('ort_ips'))} | {ratios} | "
            f"{r['rounds_b1']}/{r.get('rounds_b8', '-')} | "
            f"{fmt(r.get('paper_ap'))} {r.get('paper_metric') or ''} |")
    lines += [
        '',
        '![paper AP vs CPU latency](zoo_paper_ap_latency.png)',
        '',
        '## CPU quickstarts',
        '',
        'SynthPose val AP (COCO AP, 300 images, ground-truth boxes for the '
        'top-down ones; LOFR: SynthPose with truncated figures, its own '
        'benchmark) from the recorded quickstart runs (the newest record '
        'under `work_dirs/`, else `docs/quickstart_results.json`, which '
        'names the command that measured it), and batch-1 latency at their '
        'input size. The stage-1 detector config of the end-to-end PRTR '
        'has no keypoint AP.',
        '',
        '| config | input | Params (M) | GFLOPs | eager ms (b1) | '
        'ORT ms (b1) | SynthPose val AP | AP recorded in |',
        '|---|---|---|---|---|---|---|---|',
    ]
    for r in quick:
        lines.append(
            f"| {osp.basename(r['config']).replace('.py', '')} | "
            f"{r['input']} | {r['params_m']:.2f} | {r['gflops']:.2f} | "
            f"{r['eager_ms']:.1f} | {r['ort_ms']:.1f} | "
            f"{fmt(r.get('synthpose_ap'), '.3f')} | "
            f"{r.get('ap_source') or 'not recorded (--train)'} |")
    lines += ['', '![AP vs latency](zoo_quickstart_ap_latency.png)', '']
    notes = [r for r in rows if r.get('note')]
    if notes:
        lines += ['## Not measured', '']
        lines += [f"- `{r['config']}`: {r['note']}" for r in notes] + ['']
    if failed:
        lines += ['## Failed in this run', '']
        lines += [f'- `{c}`: {e}' for c, e in failed.items()] + ['']
    with open(out, 'w') as f:
        f.write('\n'.join(lines))


def plot(rows: List[dict], quick: List[dict], stock: Dict[str, dict],
         docs: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    colors = dict(zip(FAMILIES, plt.cm.tab10.colors))

    def scatter(ax, records, key, label, size, fontsize):
        """One point per record with a ``key`` value, coloured by family,
        one legend entry per family."""
        for r in records:
            if r.get(key) is None:
                continue
            fam = r['config'].split('/')[1]
            ax.scatter(r['eager_ms'], r[key], color=colors[fam], label=fam,
                       s=size)
            ax.annotate(label(osp.basename(r['config']).split('_')),
                        (r['eager_ms'], r[key]), fontsize=fontsize)
        handles, labels = ax.get_legend_handles_labels()
        uniq = dict(zip(labels, handles))
        ax.legend(uniq.values(), uniq.keys(), fontsize=7)
        ax.grid(alpha=0.3)

    def save(fig, ax, title, name):
        ax.set_title(title, fontsize=9)
        fig.tight_layout()
        fig.savefig(osp.join(docs, name), dpi=130)
        plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4.5))
    scatter(ax, rows, 'paper_ap', lambda parts: parts[1], 25, 4)
    for name, r in stock.items():
        ax.axvline(r['eager_ms'], color='grey', linestyle=':', linewidth=0.8)
        ax.text(r['eager_ms'], ax.get_ylim()[0], name, rotation=90,
                fontsize=6, va='bottom')
    ax.set_xscale('log')
    ax.set_xlabel('measured CPU latency, batch 1, PyTorch eager (ms)')
    ax.set_ylabel("paper's AP / PCKh (each config's own metric)")
    save(fig, ax, 'paper configs: reported accuracy vs CPU latency here',
         'zoo_paper_ap_latency.png')

    fig, ax = plt.subplots(figsize=(6, 4))
    scatter(ax, quick, 'synthpose_ap', lambda parts: ' '.join(parts[:2]), 30,
            5)
    ax.set_xlabel('CPU latency, batch 1, PyTorch eager (ms)')
    ax.set_ylabel('SynthPose val AP')
    save(fig, ax, 'CPU quickstarts: accuracy vs latency',
         'zoo_quickstart_ap_latency.png')


def main(argv: Optional[Sequence[str]] = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--families', nargs='+', default=list(FAMILIES),
                        choices=list(FAMILIES))
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--train', action='store_true',
                        help='train the quickstarts without a recorded AP')
    parser.add_argument('--docs', default=osp.join(ROOT, 'docs'))
    parser.add_argument('--json', default=osp.join(ROOT, 'work_dirs', 'zoo',
                                                   'zoo.json'))
    args = parser.parse_args(argv)
    t_all = time.time()
    os.makedirs(osp.dirname(args.json), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        stock = {}
        for name, cfg in STOCK.items():
            print(f'== stock {name}', flush=True)
            stock[name] = measure_isolated(cfg, tmp, args.threads,
                                           args.rounds)
        rows, failed = [], {}
        for cfg in paper_configs(args.families):
            print(f'== {cfg}', flush=True)
            try:
                rows.append(measure_isolated(cfg, tmp, args.threads,
                                             args.rounds))
            except Exception as e:  # noqa: BLE001  (reported, run goes on)
                failed[cfg] = f'{type(e).__name__}: {e}'
                print(f'[{cfg}] FAILED: {failed[cfg]}', flush=True)
        aps = recorded_aps()
        quick = []
        for cfg in quickstart_configs(args.families):
            print(f'== quickstart {cfg}', flush=True)
            try:
                r = measure_isolated(cfg, tmp, args.threads, args.rounds,
                                     batch8=False)
            except Exception as e:  # noqa: BLE001
                failed[cfg] = f'{type(e).__name__}: {e}'
                print(f'[{cfg}] FAILED: {failed[cfg]}', flush=True)
                continue
            ap, source = aps.get(osp.normpath(cfg), (None, None))
            if ap is None and args.train:
                print(f'[{cfg}] no recorded AP: training ...', flush=True)
                ap = train_and_test(cfg, osp.join(
                    ROOT, 'work_dirs', 'zoo',
                    osp.splitext(osp.basename(cfg))[0]))['AP']
                source = 'trained in this run'
            r['synthpose_ap'] = ap
            r['ap_source'] = source
            quick.append(r)
    with open(args.json, 'w') as f:
        json.dump(dict(stock=stock, paper=rows, quickstart=quick,
                       failed=failed), f, indent=2)
    write_markdown(rows, stock, quick, failed, args,
                   osp.join(args.docs, 'zoo.md'))
    plot(rows, quick, stock, args.docs)
    if failed:
        print(f'{len(failed)} config(s) failed: {sorted(failed)}')
    print(f'wrote docs/zoo.md, docs/zoo_paper_ap_latency.png, '
          f'docs/zoo_quickstart_ap_latency.png ({time.time() - t_all:.0f} s '
          f'in all)', flush=True)
    return dict(stock=stock, paper=rows, quickstart=quick)


if __name__ == '__main__':
    main()
