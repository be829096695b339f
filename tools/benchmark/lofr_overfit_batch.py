"""Can eq. 14 move LOFR's response maps onto the joints? Overfit one batch.

    python tools/benchmark/lofr_overfit_batch.py                  # eq. 14
    python tools/benchmark/lofr_overfit_batch.py --sup-scale mean # per pixel
    python tools/benchmark/lofr_overfit_batch.py --sup-scale ce   # compare

Builds the model of CONFIG (default: the every-instance-location-labelled
CPU quickstart), takes the first ``--batch`` training samples once (their
augmentation drawn once, seed 0) and runs ``--steps`` Adam steps on them.
Every ``--every`` steps it prints the location loss, the final presence
BCE, the *hit rate* (MMPose's heatmap PCK: the share of visible keypoints
whose response-map argmax lies within one 1/4 cell of the target's peak,
diagonal neighbours included, averaged per keypoint type; a random cell
scores about 9 / (H/4 * W/4)) and the mean maximum of the response maps
(their mass is 1).

``--sup-scale`` picks the location loss (docs/lofr.md decision 10b):
``pixels`` the head's own (eq. 14 summed over the pixels of each map),
``mean`` the per-pixel mean (the head's loss divided by the number of
pixels), ``ce`` a cross-entropy between the response map and the target
normalised to a distribution (not the paper's; for comparison).

Run it alone on the machine (``flock /tmp/mmpose_tfx_cpu.lock ...``): about
1.5 minutes per 100 steps on 2 CPU cores.
"""
import argparse
import time

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner import set_random_seed

import mmpose_tfx  # noqa: F401  (registers the project's modules)
from mmpose.evaluation.functional import pose_pck_accuracy
from mmpose.registry import DATASETS, MODELS

DEFAULT_CONFIG = 'configs/lofr/td-all_lofr-r18_1xb32-2e_synthpose-128x96.py'


def hit_rate(response: torch.Tensor, target: torch.Tensor,
             weights: torch.Tensor) -> float:
    """MMPose's heatmap PCK on the 1/4 grid with a threshold of 1.5 cells:
    the map's argmax within one cell of the target's peak (the diagonal
    neighbours included), averaged per keypoint type over the weighted
    keypoints. ``response``, ``target``: ``(B, K, h, w)``; ``weights``:
    ``(B, K)``."""
    mask = (weights > 0).cpu().numpy()
    if not mask.any():
        raise ValueError('no visible keypoint in the batch')
    _, acc, _ = pose_pck_accuracy(
        response.cpu().numpy(), target.cpu().numpy(), mask, thr=1.5,
        normalize=np.ones((len(mask), 2)))
    return float(acc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', nargs='?', default=DEFAULT_CONFIG)
    parser.add_argument('--steps', type=int, default=100)
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--lr', type=float, default=1e-3)
    parser.add_argument('--every', type=int, default=20)
    parser.add_argument(
        '--sup-scale', choices=('pixels', 'mean', 'ce'), default='pixels')
    args = parser.parse_args()

    set_random_seed(0)  # the batch's augmentation and the initial weights
    torch.set_num_threads(2)
    init_default_scope('mmpose')
    cfg = Config.fromfile(args.config)
    if cfg.model.head.get('type') != 'CAMPrototypeHead':
        raise ValueError(f'{args.config} is not a LOFR config '
                         f'(head {cfg.model.head.get("type")})')
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    batch = pseudo_collate([dataset[i] for i in range(args.batch)])
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    data = model.data_preprocessor(batch, True)
    samples = data['data_samples']
    if 'location_weight' not in samples[0].gt_instance_labels:
        raise ValueError(f'{args.config} has no location-labelled '
                         'instances: eq. 14 is never computed')
    target = torch.stack([d.gt_fields.heatmaps for d in samples])
    weights = torch.cat(
        [d.gt_instance_labels.keypoint_weights for d in samples])
    optim = torch.optim.Adam(model.parameters(), lr=args.lr)

    print(f'{args.config}: {args.batch} samples, {args.steps} steps, '
          f'location loss: {args.sup_scale}')
    print('| step | location loss | presence BCE | hit rate | '
          'mean map max | s |')
    print('|---|---|---|---|---|---|')
    start = time.time()
    for step in range(args.steps + 1):
        feats = model.extract_feat(data['inputs'])
        losses = model.head.loss(feats, samples)
        if args.sup_scale == 'mean':
            losses['loss_sup_heatmap'] = losses['loss_sup_heatmap'] / (
                target.shape[-2] * target.shape[-1])
        elif args.sup_scale == 'ce':
            resp = model.head.forward_all(feats)['response'].flatten(2)
            dist = target.flatten(2)
            dist = dist / dist.sum(-1, keepdim=True).clamp(min=1e-8)
            ce = -(dist * resp.clamp(min=1e-8).log()).sum(-1)
            losses['loss_sup_heatmap'] = (ce * weights).mean()
        if step % args.every == 0 or step == args.steps:
            model.eval()
            with torch.no_grad():
                resp = model.head.forward_all(
                    model.extract_feat(data['inputs']))['response']
            model.train()
            print(f'| {step} | {losses["loss_sup_heatmap"].item():.5f} | '
                  f'{losses["loss_cls_dec"].item():.4f} | '
                  f'{hit_rate(resp, target, weights):.3f} | '
                  f'{resp.flatten(2).max(-1).values.mean().item():.4f} | '
                  f'{time.time() - start:.0f} |', flush=True)
        if step == args.steps:
            break
        loss = sum(v for k, v in losses.items() if k.startswith('loss'))
        optim.zero_grad()
        loss.backward()
        optim.step()


if __name__ == '__main__':
    main()
