"""What TFPose's keypoint queries look at and how they refine (paper
section 4.3, Figs. 6-7 and 11-12).

1. Sampling points (Fig. 7 / 11 / 12): for one person crop, the deformable
   p2q attention of the *last* decoder layer on the C3 level: for every
   keypoint query its 8 heads x 4 sampling points, coloured by their
   attention weight, the query's final prediction marked with a cross.
   Saved as ``sampling_points.png``.
2. Refinement path (eq. 4): every keypoint's estimate ``y_0`` (the learned
   initial matrix) and after each decoder layer ``y_1 .. y_{N_D}``, drawn
   as a path on the crop. Saved as ``refinement.png``.
3. q2q attention (Fig. 6): with ``--split``, the query-to-query attention
   of decoder layers 2 and 3 (``--layers``), averaged over heads and over
   the instances of a dataset split, as K x K matrices with joint names
   (rows: the attending query, columns: the key). Saved as
   ``q2q_attention.png``; the matrices as ``q2q_attention.npy``.

Example::

    python demo/tfpose_queries.py IMAGE --config CONFIG --checkpoint CKPT \
        --out-dir vis/ [--bbox X1 Y1 X2 Y2] [--split val] [--layers 2 3] \
        [--max-samples 500] [--cfg-options KEY=VALUE ...]

All passes are plain (no flip test): the figures show one forward pass.
"""
import argparse
import os
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np
from demo_inputs import keypoint_names, load_image_and_box, prepare_crop


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('image', help='input image file')
    parser.add_argument('--config', required=True, help='TFPose config')
    parser.add_argument('--checkpoint', required=True, help='checkpoint')
    parser.add_argument('--out-dir', required=True, help='output folder')
    parser.add_argument(
        '--bbox', type=float, nargs=4, default=None,
        metavar=('X1', 'Y1', 'X2', 'Y2'),
        help='person box in image pixels (default: the whole image)')
    parser.add_argument(
        '--split', default='none', choices=['train', 'val', 'test', 'none'],
        help='dataset split of the config for the q2q matrices (Fig. 6)')
    parser.add_argument('--layers', type=int, nargs='+', default=[2, 3],
                        help='decoder layers (1-based) for Fig. 6')
    parser.add_argument('--level', type=int, default=1,
                        help='backbone level of the sampling points '
                        '(1 = C3, 0 = C2 ...), as in the neck in_indices')
    parser.add_argument('--max-samples', type=int, default=500)
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. data roots')
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def _check_model(model) -> None:
    from mmpose_tfx.models.heads import TFPoseHead
    if not isinstance(getattr(model, 'head', None), TFPoseHead):
        raise ValueError('this demo needs a model whose head is a '
                         'TFPoseHead (a TFPose config)')


def decoder_trace(model, inputs, level: int = 1) -> Dict[str, np.ndarray]:
    """One decoder pass with the internals the figures need.

    Args:
        model: top-down TFPose model.
        inputs (Tensor): preprocessed crops ``(B, 3, h, w)``.
        level (int): backbone level (index into the backbone outputs, 1 =
            C3) whose sampling points are returned.

    Returns:
        dict: ``estimates`` ``(N_D + 1, B, K, 2)`` (``y_0`` first) and
        ``sampling`` ``(B, K, heads, points, 2)`` (last decoder layer, the
        chosen level), both in crop pixels (pixel ``i`` at coordinate
        ``i``); ``weights`` ``(B, K, heads, points)`` their attention
        weights (summing to 1 over all levels and points of a head).
    """
    import torch

    _check_model(model)
    head, neck = model.head, model.neck
    if level not in neck.in_indices:
        raise ValueError(f'level {level} is not in the memory (neck '
                         f'in_indices {neck.in_indices})')
    lvl = neck.in_indices.index(level)
    attn = head.query_decoder.layers[-1].cross_attn
    seen = {}

    def hook(module, args, kwargs):
        seen.update(kwargs)

    handle = attn.register_forward_pre_hook(hook, with_kwargs=True)
    try:
        with torch.no_grad():
            layers = head(model.extract_feat(inputs))
    finally:
        handle.remove()
    h, w = inputs.shape[-2:]
    b, k = layers.shape[1:3]
    with torch.no_grad():
        # the module's own projections, as in its forward (mmcv)
        query = seen['query'] + seen['query_pos']
        shapes = seen['spatial_shapes']
        n_l, n_p, n_h = attn.num_levels, attn.num_points, attn.num_heads
        offsets = attn.sampling_offsets(query).view(b, k, n_h, n_l, n_p, 2)
        weights = attn.attention_weights(query).view(
            b, k, n_h, n_l * n_p).softmax(-1).view(b, k, n_h, n_l, n_p)
        norm = torch.stack([shapes[:, 1], shapes[:, 0]], -1).to(offsets)
        loc = seen['reference_points'][:, :, None, :, None, :] + \
            offsets / norm[None, None, None, :, None, :]
    y0 = head.query_decoder.initial_estimate().detach()[None, None]
    estimates = torch.cat([y0.expand(1, b, k, 2), layers])
    scale = np.array([w, h], np.float32)
    return dict(
        estimates=estimates.cpu().numpy() * scale,
        # deformable locations are in [0, 1] over pixel *edges*
        sampling=loc[:, :, :, lvl].cpu().numpy() * scale - 0.5,
        weights=weights[:, :, :, lvl].cpu().numpy())


def q2q_attention(model, dataset_cfg: dict, layers: Sequence[int],
                  max_samples: int = 500,
                  batch_size: int = 32) -> Dict[str, np.ndarray]:
    """Head-averaged q2q attention of decoder ``layers`` (1-based),
    averaged over a dataset split: ``matrices`` ``(len(layers), K, K)``
    (rows sum to 1) and ``num_samples``."""
    import torch
    from mmengine.dataset import pseudo_collate
    from mmpose.registry import DATASETS

    _check_model(model)
    dec = model.head.query_decoder
    if not dec.q2q:
        raise ValueError('this model has no q2q attention (q2q=False)')
    bad = [i for i in layers if not 1 <= i <= dec.num_layers]
    if bad:
        raise ValueError(f'decoder layers {bad} do not exist (N_D = '
                         f'{dec.num_layers})')
    if max_samples < 1:
        raise ValueError(f'max_samples must be >= 1, got {max_samples}')
    dataset = DATASETS.build(dataset_cfg)
    n = min(len(dataset), max_samples)
    if n == 0:
        raise ValueError('the dataset split is empty')
    sums = np.zeros((len(layers), dec.num_keypoints, dec.num_keypoints))
    current = {}
    handles = [
        dec.layers[i - 1].self_attn.attn.register_forward_hook(
            (lambda j: lambda m, a, out: current.__setitem__(j, out[1]))(j))
        for j, i in enumerate(layers)
    ]
    try:
        for start in range(0, n, batch_size):
            batch = pseudo_collate([
                dataset[i] for i in range(start, min(n, start + batch_size))
            ])
            with torch.no_grad():
                data = model.data_preprocessor(batch, False)
                model.head(model.extract_feat(data['inputs']))
            for j in range(len(layers)):
                sums[j] += current[j].sum(0).cpu().numpy()
    finally:
        for h in handles:
            h.remove()
    return dict(matrices=sums / n, num_samples=n)


def draw_sampling_points(crop: np.ndarray, trace: Dict[str, np.ndarray],
                         names: Sequence[str], out: str,
                         level_name: str = 'C3') -> None:
    """Fig. 7: one panel per keypoint query."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    loc, wts = trace['sampling'][0], trace['weights'][0]
    final = trace['estimates'][-1, 0]
    k = loc.shape[0]
    cols = min(k, 6)
    rows = (k + cols - 1) // cols
    aspect = crop.shape[0] / crop.shape[1]
    fig, axes = plt.subplots(rows, cols,
                             figsize=(1.7 * cols, 1.7 * aspect * rows + 0.5))
    axes = np.atleast_1d(axes).ravel()
    vmax = float(wts.max()) if wts.size else 1.
    for j, ax in enumerate(axes):
        ax.axis('off')
        if j >= k:
            continue
        ax.imshow(crop)
        pts = loc[j].reshape(-1, 2)
        sc = ax.scatter(pts[:, 0], pts[:, 1], c=wts[j].ravel(), s=7,
                        cmap='coolwarm', vmin=0, vmax=vmax,
                        edgecolors='none')
        ax.plot(final[j, 0], final[j, 1], 'x', color='yellow',
                markersize=6, markeredgewidth=1.5)
        ax.set_xlim(-0.5, crop.shape[1] - 0.5)
        ax.set_ylim(crop.shape[0] - 0.5, -0.5)
        ax.set_title(names[j], fontsize=6)
    fig.colorbar(sc, ax=axes.tolist(), fraction=0.02,
                 label='attention weight')
    fig.suptitle(f'last decoder layer: {loc.shape[1]} heads x '
                 f'{loc.shape[2]} points on {level_name} (x = prediction)',
                 fontsize=7)
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    fig.savefig(out, dpi=130)
    plt.close(fig)


def draw_refinement(crop: np.ndarray, trace: Dict[str, np.ndarray],
                    names: Sequence[str], out: str) -> None:
    """Every keypoint's path y_0 -> y_1 -> ... -> y_{N_D} (eq. 4)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    est = trace['estimates'][:, 0]  # (N_D + 1, K, 2)
    stages, k = est.shape[:2]
    colors = plt.cm.tab20(np.linspace(0, 1, k))
    fig, ax = plt.subplots(figsize=(4, 4 * crop.shape[0] / crop.shape[1]))
    ax.imshow(crop)
    for j in range(k):
        ax.plot(est[:, j, 0], est[:, j, 1], '-', color=colors[j],
                linewidth=0.8, alpha=0.8)
        ax.scatter(est[1:-1, j, 0], est[1:-1, j, 1], s=5, color=colors[j])
        ax.scatter(est[0, j, 0], est[0, j, 1], s=12, marker='s',
                   color=colors[j], edgecolors='white', linewidths=0.3)
        ax.scatter(est[-1, j, 0], est[-1, j, 1], s=22, color=colors[j],
                   edgecolors='white', linewidths=0.5, label=names[j])
    ax.set_xlim(-0.5, crop.shape[1] - 0.5)
    ax.set_ylim(crop.shape[0] - 0.5, -0.5)
    ax.axis('off')
    ax.set_title(f'y_0 (square) -> decoder layers 1..{stages - 1} '
                 '(final: large dot)', fontsize=7)
    ax.legend(fontsize=4, loc='center left', bbox_to_anchor=(1, 0.5),
              frameon=False)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    fig.savefig(out, dpi=150)
    plt.close(fig)


def draw_q2q(att: Dict[str, np.ndarray], layers: Sequence[int],
             names: Sequence[str], out: str) -> None:
    """Fig. 6: the averaged q2q attention of each requested layer."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    mats = att['matrices']
    k = mats.shape[-1]
    fig, axes = plt.subplots(1, len(layers),
                             figsize=(4.2 * len(layers), 4.2))
    axes = np.atleast_1d(axes)
    for ax, mat, layer in zip(axes, mats, layers):
        im = ax.imshow(mat, cmap='viridis')
        ax.set_xticks(range(k))
        ax.set_yticks(range(k))
        ax.set_xticklabels(names, rotation=90, fontsize=5)
        ax.set_yticklabels(names, fontsize=5)
        ax.set_xlabel('key', fontsize=6)
        ax.set_ylabel('query', fontsize=6)
        ax.set_title(f'decoder layer {layer}, mean of '
                     f'{att["num_samples"]} instances', fontsize=7)
        fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    fig.savefig(out, dpi=130)
    plt.close(fig)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, str]:
    args = parse_args(argv)
    img, bbox = load_image_and_box(args.image, args.config, args.checkpoint,
                                   args.bbox)
    from mmpose.apis import init_model

    import mmpose_tfx  # noqa: F401  (registers modules, safe checkpoints)

    model = init_model(args.config, args.checkpoint, device=args.device,
                       cfg_options=args.cfg_options)
    try:
        _check_model(model)
        data, crop = prepare_crop(model, img, bbox)
        trace = decoder_trace(model, data['inputs'], args.level)
    except ValueError as e:
        raise SystemExit(str(e))
    k = model.head.num_keypoints
    names = keypoint_names(model.dataset_meta, k)
    outs = dict(sampling=osp.join(args.out_dir, 'sampling_points.png'),
                refinement=osp.join(args.out_dir, 'refinement.png'))
    draw_sampling_points(crop, trace, names, outs['sampling'],
                         f'C{args.level + 2}')
    draw_refinement(crop, trace, names, outs['refinement'])
    print(f'saved {outs["sampling"]} and {outs["refinement"]} '
          f'({k} keypoint queries, {trace["estimates"].shape[0] - 1} '
          'decoder layers)')
    if args.split != 'none':
        dataset_cfg = model.cfg[f'{args.split}_dataloader'].dataset
        try:
            att = q2q_attention(model, dataset_cfg, args.layers,
                                args.max_samples, args.batch_size)
        except ValueError as e:
            raise SystemExit(str(e))
        outs['q2q'] = osp.join(args.out_dir, 'q2q_attention.png')
        draw_q2q(att, args.layers, names, outs['q2q'])
        np.save(osp.join(args.out_dir, 'q2q_attention.npy'),
                att['matrices'])
        print(f'saved {outs["q2q"]} (layers {args.layers}, '
              f'{att["num_samples"]} instances of the {args.split} split)')
    return outs


if __name__ == '__main__':
    main()
