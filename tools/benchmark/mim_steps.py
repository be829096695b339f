"""Steps shared by the benchmark scripts that drive MMPose's own CLI
(``quickstart.py``, ``lightpose_synthpose.py``, ``tfpose_synthpose.py``):
run a command with its log teed to a file, find ``mim`` in the running
interpreter's environment, pick the last epoch checkpoint, read COCO metrics
from ``mim test``'s output, train + test one config, read the logged
scalars of a run.
"""
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


def run(cmd: List[str], log_path: str,
        echo: str = r'Epoch\(|coco/AP|Error|error|saved|images') -> str:
    """Run ``cmd`` in the repo root, write its output to ``log_path``, echo
    the lines matching ``echo`` and return the whole output; a failing step
    exits with its last 40 lines."""
    print('$ ' + ' '.join(cmd), flush=True)
    os.makedirs(osp.dirname(osp.abspath(log_path)), exist_ok=True)
    lines = []
    with open(log_path, 'w') as log, subprocess.Popen(
            cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, bufsize=1) as proc:
        for line in proc.stdout:
            log.write(line)
            lines.append(line)
            if re.search(echo, line):
                print('  ' + line.rstrip()[-160:], flush=True)
    if proc.returncode != 0:
        tail = ''.join(lines[-40:])
        raise SystemExit(f'step failed ({proc.returncode}): {" ".join(cmd)}'
                         f'\n{tail}\nfull log: {log_path}')
    return ''.join(lines)


def bin_path(name: str) -> str:
    """``name`` from the running interpreter's environment (``.venv/bin``),
    else from PATH."""
    path = osp.join(osp.dirname(sys.executable), name)
    return path if osp.exists(path) else name


def last_checkpoint(work_dir: str) -> str:
    """The ``epoch_N.pth`` with the largest N in ``work_dir``."""
    ckpts = sorted(glob.glob(osp.join(work_dir, 'epoch_*.pth')),
                   key=lambda p: int(re.findall(r'epoch_(\d+)', p)[0]))
    if not ckpts:
        raise SystemExit(f'no checkpoint written in {work_dir}')
    return ckpts[-1]


def coco_metrics(output: str, names: Sequence[str]) -> Dict[str, float]:
    """The last printed value of each ``coco/<name>`` in ``output``."""
    result = {}
    for name in names:
        found = re.findall(r'coco/' + re.escape(name) + r': ([0-9.]+)',
                           output)
        if not found:
            raise SystemExit(f'mim test printed no coco/{name}')
        result[name] = float(found[-1])
    return result


COCO_METRICS = ('AP', 'AP .5', 'AP .75', 'AR')
# progress lines echoed while training / testing
TRAIN_ECHO = r'Epoch\(train\).*\[\d+0/|coco/AP|Error'


def train_and_test(config: str, work_dir: str,
                   cfg_options: Optional[Sequence[str]] = None,
                   metrics: Sequence[str] = COCO_METRICS) -> Dict[str, float]:
    """``mim train`` then ``mim test`` (last checkpoint) of ``config`` in
    ``work_dir``; returns the training seconds, the checkpoint and the COCO
    ``metrics`` of the test."""
    os.makedirs(work_dir, exist_ok=True)
    opts = ['--cfg-options', *cfg_options] if cfg_options else []
    t = time.time()
    run([bin_path('mim'), 'train', 'mmpose', config, '--work-dir', work_dir]
        + opts, osp.join(work_dir, 'train.log'), echo=TRAIN_ECHO)
    train_s = time.time() - t
    ckpt = last_checkpoint(work_dir)
    out = run([bin_path('mim'), 'test', 'mmpose', config, '--checkpoint',
               ckpt, '--work-dir', osp.join(work_dir, 'test')] + opts,
              osp.join(work_dir, 'test.log'), echo=TRAIN_ECHO)
    return dict(train_s=round(train_s, 1),
                checkpoint=osp.relpath(ckpt, ROOT),
                **coco_metrics(out, metrics))


def logged_scalars(work_dir: str) -> List[dict]:
    """The records MMEngine's logger wrote to the newest
    ``<timestamp>/vis_data/scalars.json`` of a training run (one dict per
    logged iteration or validation)."""
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                      'scalars.json')))
    if not files:
        raise SystemExit(f'no scalars.json under {work_dir}')
    with open(files[-1]) as f:
        return [json.loads(line) for line in f if line.strip()]
