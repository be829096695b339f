"""What PRTR's keypoint queries do (paper section 4.4, Figs. 4 and 7).

1. Decoding process (Fig. 4, first row): for one person crop, the queries
   that the read-out (Hungarian matching on the final layer's class
   probabilities, background logit dropped) assigns to the J keypoint types,
   and where each of them predicts its keypoint after every stage: the
   initial query embedding (the heads applied to the learned query
   embedding through the decoder's final LayerNorm), then decoder layers
   1..M. Saved as ``decoding_layers.png``, one panel per stage.
2. Query specialisation (Fig. 7): over a dataset split, for every query the
   fraction of instances whose final-layer prediction (argmax over the
   J + 1 classes) is each keypoint type; the 16 queries most often chosen by
   the read-out are shown, keypoint types as rows (background, the
   remainder of each column, is left out as in the paper). Saved as
   ``query_class_distribution.png``; the full ``(Q, J + 1)`` table is
   written to ``query_class_distribution.npy``.

Example::

    python demo/prtr_queries.py IMAGE --config CONFIG --checkpoint CKPT \
        --out-dir vis/ [--bbox X1 Y1 X2 Y2] [--split val] \
        [--max-samples 500] [--cfg-options KEY=VALUE ...]

``--split none`` skips the dataset pass. All passes are plain (no flip
test): the figures show one forward pass of the decoder.
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
    parser.add_argument('--config', required=True, help='PRTR config')
    parser.add_argument('--checkpoint', required=True, help='checkpoint')
    parser.add_argument('--out-dir', required=True, help='output folder')
    parser.add_argument(
        '--bbox', type=float, nargs=4, default=None,
        metavar=('X1', 'Y1', 'X2', 'Y2'),
        help='person box in image pixels (default: the whole image)')
    parser.add_argument(
        '--split', default='val', choices=['train', 'val', 'test', 'none'],
        help='dataset split of the config for Fig. 7 (none: skip)')
    parser.add_argument('--max-samples', type=int, default=500,
                        help='instances used for Fig. 7')
    parser.add_argument('--num-shown', type=int, default=16,
                        help='queries shown in Fig. 7 (paper: 16)')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. data roots')
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def _check_model(model) -> None:
    from mmpose_tfx.models.heads import HungarianKeypointHead
    if not isinstance(getattr(model, 'head', None), HungarianKeypointHead):
        raise ValueError('this demo needs a model whose head is a '
                         'HungarianKeypointHead (a PRTR config)')


def stage_outputs(model, inputs):
    """Heads on the initial query embedding and on every decoder layer.

    Args:
        model: top-down PRTR model.
        inputs (Tensor): preprocessed crops ``(B, 3, h, w)``.

    Returns:
        tuple: logits ``(M + 1, B, Q, J + 1)`` and normalised coordinates
        ``(M + 1, B, Q, 2)``; stage 0 is the query embedding.
    """
    import torch
    head = model.head
    with torch.no_grad():
        hs = head.forward_transformer(model.extract_feat(inputs))
        q0 = head.transformer.decoder_norm(head.query_embed.weight)
        q0 = q0[None, None].expand(1, hs.shape[1], -1, -1)
        logits, coords = head.predict_from_hidden(torch.cat([q0, hs]))
    return logits, coords


def layer_predictions(model, img: np.ndarray,
                      bbox: np.ndarray) -> Dict[str, np.ndarray]:
    """Per-stage predictions of the read-out's queries for one person.

    Args:
        model: top-down PRTR model (``init_model``).
        img (np.ndarray): BGR image ``(H, W, 3)``.
        bbox (np.ndarray): ``(4,)`` box ``x1, y1, x2, y2`` in image pixels.

    Returns:
        dict: ``crop`` (RGB ``(h, w, 3)`` uint8), ``queries`` (``(J,)``
        query matched to each keypoint type on the final layer),
        ``scores`` (``(J,)`` their probabilities), ``coords``
        (``(M + 1, Q, 2)`` every query's prediction per stage, crop
        pixels), ``probs`` (``(M + 1, Q, J + 1)`` softmax over all classes)
        and ``track`` (``(M + 1, J, 2)``: ``coords`` of the matched queries).
    """
    import torch

    from mmpose_tfx.models.utils import readout_assignment

    _check_model(model)
    data, crop = prepare_crop(model, img, bbox)
    with torch.no_grad():
        inputs = data['inputs']
        logits, coords = stage_outputs(model, inputs)
        with_bg = model.test_cfg.get('readout_with_background', False)
        queries, scores = readout_assignment(logits[-1], with_bg)
    in_w, in_h = inputs.shape[-1], inputs.shape[-2]
    pix = coords[:, 0].cpu().numpy() * np.array([in_w, in_h])
    q = queries[0].cpu().numpy()
    return dict(
        crop=crop,
        queries=q,
        scores=scores[0].cpu().numpy(),
        coords=pix,
        probs=logits[:, 0].softmax(-1).cpu().numpy(),
        track=pix[:, q])


def query_class_distribution(model, dataset_cfg: dict,
                             max_samples: int = 500,
                             batch_size: int = 32) -> Dict[str, np.ndarray]:
    """Predicted-class histogram of every query over a dataset split.

    Returns:
        dict: ``fraction`` ``(Q, J + 1)`` (row ``q``: fraction of instances
        whose final-layer argmax class of query ``q`` is each class,
        background last; rows sum to 1), ``matched`` ``(Q,)`` how often the
        read-out picked each query, ``num_samples``.
    """
    import torch
    from mmengine.dataset import pseudo_collate
    from mmpose.registry import DATASETS

    from mmpose_tfx.models.utils import readout_assignment

    _check_model(model)
    if max_samples < 1:
        raise ValueError(f'max_samples must be >= 1, got {max_samples}')
    dataset = DATASETS.build(dataset_cfg)
    n = min(len(dataset), max_samples)
    if n == 0:
        raise ValueError('the dataset split is empty')
    head = model.head
    counts = np.zeros((head.num_queries, head.num_keypoints + 1), np.int64)
    matched = np.zeros(head.num_queries, np.int64)
    with_bg = model.test_cfg.get('readout_with_background', False)
    for start in range(0, n, batch_size):
        batch = pseudo_collate(
            [dataset[i] for i in range(start, min(n, start + batch_size))])
        with torch.no_grad():
            data = model.data_preprocessor(batch, False)
            logits, _ = head(model.extract_feat(data['inputs']))
            final = logits[-1]  # (B, Q, J + 1)
            cls = final.argmax(-1).cpu().numpy()
            queries, _ = readout_assignment(final, with_bg)
        for row in cls:
            counts[np.arange(len(row)), row] += 1
        np.add.at(matched, queries.cpu().numpy().ravel(), 1)
    return dict(fraction=counts / n, matched=matched, num_samples=n)


def draw_layers(result: Dict[str, np.ndarray], dataset_meta: dict,
                out: str) -> None:
    """Fig. 4, first row: the matched queries after every stage."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    crop, track = result['crop'], result['track']
    stages, num_kpts = track.shape[:2]
    colors = plt.cm.tab20(np.linspace(0, 1, num_kpts))
    names = keypoint_names(dataset_meta, num_kpts)
    fig, axes = plt.subplots(
        1, stages, figsize=(2.0 * stages, 2.0 * crop.shape[0] /
                            crop.shape[1] + 0.6))
    axes = np.atleast_1d(axes)
    for s, ax in enumerate(axes):
        ax.imshow(crop)
        if s > 0:  # faint trail of the previous stage
            for j in range(num_kpts):
                ax.plot(track[s - 1:s + 1, j, 0], track[s - 1:s + 1, j, 1],
                        '-', color=colors[j], linewidth=0.8, alpha=0.6)
        ax.scatter(track[s, :, 0], track[s, :, 1], s=14, c=colors,
                   edgecolors='white', linewidths=0.4)
        ax.set_title('query embedding' if s == 0 else
                     f'decoder layer {s}' + (' (final)'
                                             if s == stages - 1 else ''),
                     fontsize=7)
        ax.set_xlim(0, crop.shape[1])
        ax.set_ylim(crop.shape[0], 0)
        ax.axis('off')
    handles = [
        plt.Line2D([], [], marker='o', linestyle='', color=colors[j],
                   label=f'{names[j]} (q{result["queries"][j]})')
        for j in range(num_kpts)
    ]
    fig.legend(handles=handles, loc='lower center', ncol=min(num_kpts, 6),
               fontsize=5, frameon=False)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    fig.savefig(out, dpi=130)
    plt.close(fig)


def shown_queries(dist: Dict[str, np.ndarray], num_shown: int = 16):
    """The ``num_shown`` queries most often picked by the read-out, ordered
    by their most frequent keypoint type."""
    order = np.argsort(-dist['matched'], kind='stable')[:num_shown]
    major = dist['fraction'][order, :-1].argmax(1)
    return order[np.argsort(major, kind='stable')]


def draw_distribution(dist: Dict[str, np.ndarray], dataset_meta: dict,
                      out: str, num_shown: int = 16) -> np.ndarray:
    """Fig. 7: keypoint types (rows) x queries (columns), percentages."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    queries = shown_queries(dist, num_shown)
    table = 100 * dist['fraction'][queries, :-1].T  # (J, shown)
    num_kpts = table.shape[0]
    fig, ax = plt.subplots(
        figsize=(0.45 * len(queries) + 2.0, 0.32 * num_kpts + 1.2))
    ax.imshow(table, cmap='Blues', vmin=0, vmax=100, aspect='auto')
    for j in range(num_kpts):
        for k in range(len(queries)):
            v = table[j, k]
            ax.text(k, j, f'{v:.0f}', ha='center', va='center', fontsize=6,
                    color='white' if v > 60 else 'black')
    ax.set_yticks(range(num_kpts))
    ax.set_yticklabels(keypoint_names(dataset_meta, num_kpts), fontsize=6)
    ax.set_xticks(range(len(queries)))
    ax.set_xticklabels([str(q) for q in queries], fontsize=6)
    ax.set_xlabel('query (the most often matched ones)', fontsize=7)
    ax.set_title(f'predicted class per query, % of {dist["num_samples"]} '
                 'instances (background = remainder)', fontsize=7)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    fig.savefig(out, dpi=130)
    plt.close(fig)
    return queries


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
    except ValueError as e:
        raise SystemExit(str(e))
    outs = {}
    result = layer_predictions(model, img, bbox)
    outs['layers'] = osp.join(args.out_dir, 'decoding_layers.png')
    draw_layers(result, model.dataset_meta, outs['layers'])
    print(f'saved {outs["layers"]} ({result["track"].shape[0]} stages, '
          f'{len(result["queries"])} matched queries)')
    if args.split != 'none':
        dataset_cfg = model.cfg[f'{args.split}_dataloader'].dataset
        dist = query_class_distribution(model, dataset_cfg, args.max_samples,
                                        args.batch_size)
        outs['distribution'] = osp.join(args.out_dir,
                                        'query_class_distribution.png')
        draw_distribution(dist, model.dataset_meta, outs['distribution'],
                          args.num_shown)
        np.save(osp.join(args.out_dir, 'query_class_distribution.npy'),
                dist['fraction'])
        print(f'saved {outs["distribution"]} ({dist["num_samples"]} '
              f'instances of the {args.split} split)')
    return outs


if __name__ == '__main__':
    main()
