"""Does LOFR learn *where* from *whether*? A toy with local presence.

    flock /tmp/mmpose_tfx_cpu.lock \
        python tools/benchmark/lofr_toy_localisation.py \
        [--variants local part query baseline_local baseline_part \
                    baseline_query] \
        [--seeds 0 1 2] [--steps 1000] [--base-channels 64]

Each 64 x 64 image is noise with up to four coloured discs (radius 3 px),
one per keypoint class (red, green, blue, yellow), each drawn with
probability 0.5 at a uniform random position. The label of an image is
which classes are drawn: image-level presence, as in location-free LOFR,
and here decided by the class's own pixels and nothing else (on SynthPose
it is not: docs/lofr.md). A ResNet-18 (three stages: the 1/4, 1/8, 1/16
levels; ``--base-channels`` narrows it) with a ``CAMPrototypeHead`` the
size of the CPU quickstart's is trained on the presence losses alone
(eqs. 11-13) with Adam, lr 2e-3, batch 32; no coordinate reaches the
model. Then each class drawn in 256 new images is located at the maximum
of its part response map R_i (the model's prediction) and of its CAM, and
the table gives the median distance to the disc's centre in pixels and the
share within 4 px (one cell of the 1/4 grid), against guessing the image
centre. One run per seed (the seed fixes the initialisation and the
batches); the table gives the mean and the range over the seeds, since
single runs differ a lot.

Variants: LOFR with the final presence read from the part features pooled
from the encoder's local input tokens (``local``) or from its output memory
F_m (``part``), or from the prototypes' decoder outputs (``query``;
docs/lofr.md decision 8); the location-free baseline (no SPE, the 1/16 level only,
learned prototypes, no L_div; Table 5 row 1; the switches are read from
its CPU config) with either read-out. About
1.5 minutes per LOFR run at 600 steps and width 16 on 2 CPU cores, 4.5
minutes at 1000 steps and width 64.
"""
import argparse
import logging
import os.path as osp
import sys
import time
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from lofr_response_stats import _peak_xy  # noqa: E402

SIZE = 64
RADIUS = 3
# one colour per class, in the normalised image's units (mean 0.5, std 0.25)
COLOURS = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]], np.float32)
# a chain skeleton for RePPG's graph over the four classes
SKELETON = [(0, 1), (1, 2), (2, 3)]
# the location-free baseline's head switches come from its CPU config
BASELINE_CONFIG = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs',
    'lofr', 'td-lf_lofr-baseline-r18_1xb32-2e_synthpose-128x96.py')
# key: (table label, the baseline's switches?, head overrides)
VARIANTS = OrderedDict(
    local=('LOFR, local part read-out', False, dict(presence_from='local')),
    part=('LOFR, part read-out', False, dict(presence_from='part')),
    query=('LOFR, query read-out', False, dict(presence_from='query')),
    baseline_local=('baseline, local part read-out', True,
                    dict(presence_from='local')),
    baseline_part=('baseline, part read-out', True,
                   dict(presence_from='part')),
    baseline_query=('baseline, query read-out', True,
                    dict(presence_from='query')))


def baseline_switches() -> dict:
    """``spe``, ``multi_scale``, ``reppg`` and ``loss_weights`` of the
    baseline config's head (Table 5 row 1)."""
    from mmengine.config import Config
    head = Config.fromfile(BASELINE_CONFIG).model.head
    return {k: head[k] for k in ('spe', 'multi_scale', 'reppg',
                                 'loss_weights')}


def toy_batch(rng: np.random.Generator, n: int
              ) -> Tuple[torch.Tensor, np.ndarray, np.ndarray]:
    """``n`` images ``(n, 3, 64, 64)`` (normalised), disc centres
    ``(n, K, 2)`` (x, y in pixels; drawn or not) and presence ``(n, K)``."""
    k = len(COLOURS)
    img = rng.uniform(0.3, 0.7, (n, 3, SIZE, SIZE)).astype(np.float32)
    img += rng.normal(0., 0.05, img.shape).astype(np.float32)
    xy = rng.uniform(2 * RADIUS, SIZE - 2 * RADIUS, (n, k, 2))
    present = rng.random((n, k)) < 0.5
    # pixel (x, y) covers [x, x + 1): its centre is x + 0.5
    yy, xx = np.mgrid[:SIZE, :SIZE] + 0.5
    for b, c in zip(*np.nonzero(present)):
        disc = (xx - xy[b, c, 0])**2 + (yy - xy[b, c, 1])**2 <= RADIUS**2
        img[b][:, disc] = COLOURS[c][:, None]
    return torch.from_numpy((img - 0.5) / 0.25), xy, present


def build(head_cfg: dict, base_channels: int = 64):
    """ResNet-18 levels 1/4, 1/8, 1/16 and a quickstart-sized head."""
    from mmpose.models.backbones import ResNet

    from mmpose_tfx.models.heads import CAMPrototypeHead
    c = base_channels
    backbone = ResNet(depth=18, num_stages=3, strides=(1, 2, 2),
                      dilations=(1, 1, 1), out_indices=(0, 1, 2),
                      base_channels=c)
    head = CAMPrototypeHead(
        in_channels=(c, 2 * c, 4 * c), num_keypoints=len(COLOURS),
        input_size=(SIZE, SIZE), embed_dims=64, num_heads=2,
        feedforward_channels=256, num_encoder_layers=1, num_decoder_layers=2,
        dropout=0., skeleton=SKELETON, **head_cfg)
    backbone.init_weights()
    head.init_weights()
    return backbone, head


def train_and_locate(head_cfg: dict, steps: int, seed: int = 0,
                     base_channels: int = 64, batch_size: int = 32,
                     num_test: int = 256) -> Dict[str, float]:
    """Train on presence labels only, then locate the drawn discs of
    ``num_test`` new images; errors in pixels."""
    from mmengine.structures import InstanceData
    from mmpose.structures import PoseDataSample

    torch.manual_seed(seed)
    backbone, head = build(head_cfg, base_channels)
    params = list(backbone.parameters()) + list(head.parameters())
    optim = torch.optim.Adam(params, lr=2e-3, weight_decay=1e-4)
    rng = np.random.default_rng(seed)
    start = time.time()
    backbone.train()
    head.train()
    for _ in range(steps):
        images, _, present = toy_batch(rng, batch_size)
        samples = []
        for p in present:
            s = PoseDataSample()
            s.gt_instance_labels = InstanceData(
                keypoint_presence=torch.from_numpy(p[None]).float())
            samples.append(s)
        losses = head.loss(backbone(images), samples)
        loss = sum(v for k, v in losses.items() if k.startswith('loss_'))
        optim.zero_grad()
        loss.backward()
        optim.step()
    train_s = time.time() - start
    backbone.eval()
    head.eval()
    images, xy, present = toy_batch(np.random.default_rng(seed + 1),
                                    num_test)
    with torch.no_grad():
        out = head.forward_all(backbone(images))
    row = dict(train_s=train_s, presence_acc=float(
        ((out['dec_logits'] > 0).numpy() == present).mean()))
    for name in ('response', 'cams'):
        err = np.linalg.norm(
            _peak_xy(out[name], SIZE, SIZE) - xy, axis=-1)[present]
        row[f'{name}_median'] = float(np.median(err))
        row[f'{name}_within4'] = float(np.mean(err <= 4.))
    centre = np.linalg.norm(xy - SIZE / 2, axis=-1)[present]
    row['centre_median'] = float(np.median(centre))
    row['centre_within4'] = float(np.mean(centre <= 4.))
    return row


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, List[dict]]:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--variants', nargs='+', choices=list(VARIANTS),
                        default=list(VARIANTS))
    parser.add_argument('--steps', type=int, default=1000)
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--base-channels', type=int, default=64,
                        help='ResNet-18 width (64 = the standard one)')
    args = parser.parse_args(argv)
    from mmengine.logging import MMLogger

    import mmpose_tfx  # noqa: F401

    # quiet: init_weights logs every parameter's initialisation at INFO
    MMLogger.get_current_instance().setLevel(logging.WARNING)

    rows = OrderedDict()
    for key in args.variants:
        name, baseline, head_cfg = VARIANTS[key]
        if baseline:
            head_cfg = dict(baseline_switches(), **head_cfg)
        runs = []
        for seed in args.seeds:
            runs.append(train_and_locate(head_cfg, args.steps, seed,
                                         args.base_channels))
            print(f'{name}, seed {seed}: {runs[-1]}', flush=True)
        rows[name] = runs
    print(f'\n{args.steps} steps, batch 32, ResNet-18 width '
          f'{args.base_channels}, seeds {args.seeds} (one run each; '
          'mean [min, max] over the runs); 256 test images per seed; '
          'errors in pixels of the 64 x 64 image\n')
    cols = ('response_median', 'response_within4', 'cams_median',
            'cams_within4', 'presence_acc')
    print('| model | response: median | within 4 px | CAM: median '
          '| within 4 px | presence accuracy | train s / run |')
    print('|---|---|---|---|---|---|---|')
    for name, runs in rows.items():
        cells = []
        for c in cols:
            v = np.array([r[c] for r in runs])
            fmt = '{:.1f}' if c.endswith('median') else '{:.2f}'
            cells.append(f'{fmt.format(v.mean())} [{fmt.format(v.min())}, '
                         f'{fmt.format(v.max())}]')
        train_s = np.mean([r['train_s'] for r in runs])
        print(f'| {name} | ' + ' | '.join(cells) + f' | {train_s:.0f} |')
    runs = next(iter(rows.values()))
    print('| image centre | {:.1f} | {:.2f} | - | - | - | - |'.format(
        np.mean([r['centre_median'] for r in runs]),
        np.mean([r['centre_within4'] for r in runs])))
    return rows


if __name__ == '__main__':
    main()
