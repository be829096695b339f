"""Distributed (DDP) training of project configs on the CPU with the gloo
backend, through MMEngine's own Runner.

    python tools/dist_cpu_train.py CONFIG [CONFIG ...] --nproc 2 \
        --work-dir WORK [--cfg-options KEY=VALUE ...]

MMEngine's ``pytorch`` launcher assumes CUDA (``init_dist`` calls
``torch.cuda.set_device`` and ``wrap_model`` passes ``device_ids=[local
rank]``, both of which fail without a GPU). This launcher works around that
narrowly, for its own processes only, without patching MMEngine:

- it spawns ``--nproc`` processes and initialises a gloo process group in
  each *before* building the Runner, so MMEngine's ``setup_env`` finds an
  initialised group and does not call ``init_dist``;
- it gives the Runner ``model_wrapper_cfg=dict(type=
  'MMDistributedDataParallel', device_ids=None, ...)`` (CPU DDP), with
  ``find_unused_parameters`` taken from the config (default False).

Each config is trained in turn (one process group for all); after each,
every rank saves its final parameters to ``WORK/NAME/rank{r}_params.pth``
so that they can be compared. Used by ``tests/test_engine/test_ddp.py``.
"""
import argparse
import os
import os.path as osp
import socket
import sys
from typing import List, Optional, Sequence

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('configs', nargs='+', help='config files')
    parser.add_argument('--nproc', type=int, default=2)
    parser.add_argument('--work-dir', required=True)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        default={}, help='applied to every config')
    return parser.parse_args(argv)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def train_rank(rank: int, world: int, port: int, configs: List[str],
               work_dir: str, options: dict) -> None:
    """One process: gloo group, then MMEngine's Runner per config."""
    import torch
    import torch.distributed as dist
    from mmengine.config import Config
    from mmengine.runner import Runner

    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank),
                      WORLD_SIZE=str(world), MASTER_ADDR='127.0.0.1',
                      MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group('gloo', rank=rank, world_size=world)
    try:
        for config in configs:
            cfg = Config.fromfile(config)
            if options:
                cfg.merge_from_dict(options)
            name = osp.splitext(osp.basename(config))[0]
            cfg.work_dir = osp.join(work_dir, name)
            cfg.launcher = 'pytorch'
            cfg.env_cfg = dict(cfg.get('env_cfg', {}),
                               dist_cfg=dict(backend='gloo'))
            cfg.model_wrapper_cfg = dict(
                type='MMDistributedDataParallel',
                device_ids=None,
                find_unused_parameters=cfg.get('find_unused_parameters',
                                               False))
            runner = Runner.from_cfg(cfg)
            runner.train()
            model = getattr(runner.model, 'module', runner.model)
            torch.save({k: v.detach().cpu()
                        for k, v in model.state_dict().items()},
                       osp.join(cfg.work_dir, f'rank{rank}_params.pth'))
            dist.barrier()
    finally:
        dist.destroy_process_group()


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    import torch.multiprocessing as mp
    for c in args.configs:
        if not osp.isfile(c):
            sys.exit(f'dist_cpu_train: error: config not found: {c}')
    os.makedirs(args.work_dir, exist_ok=True)
    mp.spawn(train_rank, args=(args.nproc, _free_port(), args.configs,
                               args.work_dir, dict(args.cfg_options)),
             nprocs=args.nproc, join=True)


if __name__ == '__main__':
    main()
