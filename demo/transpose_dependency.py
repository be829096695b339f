"""Dependency areas of TransPose predictions (paper section 3.3, Figs. 6-7).

For each predicted keypoint ``i`` the dependency area is row ``A[i, :]`` of
the head-averaged attention matrix of one encoder layer (the last by
default), at the token where the keypoint was predicted, reshaped to the token
grid and upsampled to the input crop. With ``--threshold`` (the paper uses
0.00075) attention scores below it are blanked, as in the paper's figures.

Example::

    python demo/transpose_dependency.py IMAGE --config CONFIG \
        --checkpoint CKPT --out dependency.png [--layer -1] \
        [--threshold 0.00075] [--bbox X1 Y1 X2 Y2]

The figure holds the input crop with the predicted skeleton, then one panel
per keypoint with its dependency area and the predicted location (white
star).
"""
import argparse
import math
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from demo_inputs import load_image_and_box, prepare_crop


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('image', help='input image file')
    parser.add_argument('--config', required=True, help='TransPose config')
    parser.add_argument('--checkpoint', required=True, help='checkpoint')
    parser.add_argument('--out', required=True, help='output PNG file')
    parser.add_argument(
        '--layer', type=int, default=-1,
        help='encoder layer whose attention is shown (0-based, negative '
        'counts from the last; default: the last layer)')
    parser.add_argument(
        '--threshold', type=float, default=None,
        help='blank attention scores below this value (paper: 0.00075)')
    parser.add_argument(
        '--bbox', type=float, nargs=4, default=None,
        metavar=('X1', 'Y1', 'X2', 'Y2'),
        help='person box in image pixels (default: the whole image)')
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def dependency_areas(model, img: np.ndarray, bbox: np.ndarray,
                     layer: int = -1) -> Dict[str, np.ndarray]:
    """Predict one person and collect the dependency areas of its keypoints.

    Args:
        model: A top-down MMPose model whose neck is a
            ``TransformerEncoderNeck``.
        img (np.ndarray): BGR image ``(H, W, 3)``.
        bbox (np.ndarray): ``(4,)`` box ``x1, y1, x2, y2`` in image pixels
            (``ValueError`` when not finite, under a pixel wide or high, or
            outside the image).
        layer (int): Encoder layer index.

    Returns:
        dict: ``crop`` (RGB input crop ``(h, w, 3)`` uint8),
        ``keypoints`` (``(K, 2)`` in crop pixels), ``scores`` (``(K,)``),
        ``rows`` (``(K, H', W')`` the attention rows on the token grid),
        ``areas`` (``(K, h, w)`` the rows upsampled to the crop),
        ``token_grid`` (``(H', W')``).
    """
    import torch
    import torch.nn.functional as F

    from mmpose_tfx.models.necks import TransformerEncoderNeck

    if not isinstance(getattr(model, 'neck', None), TransformerEncoderNeck):
        raise ValueError('dependency areas need a model whose neck is a '
                         'TransformerEncoderNeck (a TransPose config)')
    num_layers = model.neck.num_layers
    if not -num_layers <= layer < num_layers:
        raise ValueError(f'--layer {layer} is out of range for a neck with '
                         f'{num_layers} layers')
    data, crop = prepare_crop(model, img, bbox)  # checks the box
    with torch.no_grad():
        inputs = data['inputs']
        # predictions exactly as the model makes them (flip test included)
        sample = model.predict(inputs, data['data_samples'])[0]
        # attention from a plain pass of the same crop
        backbone_out = model.backbone(inputs)
        (feat, ), attn = model.neck.forward_with_attention(backbone_out)
    attn = attn[layer][0]  # (L, L)
    meta = sample.metainfo
    in_w, in_h = meta['input_size']
    center, scale = meta['input_center'], meta['input_scale']
    kpts = sample.pred_instances.keypoints[0]  # image pixels
    crop_kpts = (kpts - center) / scale * np.array([in_w, in_h]) + \
        0.5 * np.array([in_w, in_h])
    feat_h, feat_w = feat.shape[-2:]
    stride_x, stride_y = in_w / feat_w, in_h / feat_h
    cols = np.clip((crop_kpts[:, 0] / stride_x).astype(int), 0, feat_w - 1)
    rows = np.clip((crop_kpts[:, 1] / stride_y).astype(int), 0, feat_h - 1)
    idx = torch.as_tensor(rows * feat_w + cols)
    grids = attn[idx].reshape(-1, 1, feat_h, feat_w)
    areas = F.interpolate(grids, size=(in_h, in_w), mode='bilinear',
                          align_corners=False)[:, 0]
    return dict(
        crop=crop,
        keypoints=crop_kpts,
        scores=sample.pred_instances.keypoint_scores[0],
        rows=grids[:, 0].cpu().numpy(),
        areas=areas.cpu().numpy(),
        token_grid=np.array([feat_h, feat_w]))


def draw(result: Dict[str, np.ndarray], dataset_meta: dict, out: str,
         threshold: Optional[float] = None, title: str = '') -> None:
    """Save the skeleton panel and one dependency-area panel per keypoint."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    crop, kpts = result['crop'], result['keypoints']
    names: List[str] = [
        dataset_meta['keypoint_id2name'][i] for i in range(len(kpts))
    ]
    n = len(kpts) + 1
    ncols = min(6, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(2.2 * ncols, 2.2 * nrows * crop.shape[0] /
                               crop.shape[1] + 0.4 * nrows))
    axes = np.atleast_1d(axes).ravel()
    for ax in axes:
        ax.axis('off')
    axes[0].imshow(crop)
    link_colors = np.asarray(dataset_meta.get('skeleton_link_colors',
                                              [[0, 255, 0]])) / 255.
    for k, (a, b) in enumerate(dataset_meta.get('skeleton_links', [])):
        color = link_colors[k % len(link_colors)][::-1]  # BGR -> RGB
        axes[0].plot(kpts[[a, b], 0], kpts[[a, b], 1], '-', color=color,
                     linewidth=2)
    axes[0].scatter(kpts[:, 0], kpts[:, 1], s=8, c='white')
    axes[0].set_title(title or 'prediction', fontsize=8)
    for k in range(len(kpts)):
        area = result['areas'][k].copy()
        if threshold is not None:
            area = np.ma.masked_less(area, threshold)
        ax = axes[k + 1]
        ax.imshow(crop, alpha=0.6)
        ax.imshow(area, cmap='jet', alpha=0.55)
        ax.scatter([kpts[k, 0]], [kpts[k, 1]], marker='*', s=90,
                   c='white', edgecolors='black', linewidths=0.5)
        ax.set_title(names[k], fontsize=8)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    img, bbox = load_image_and_box(args.image, args.config, args.checkpoint,
                                   args.bbox)
    from mmpose.apis import init_model

    import mmpose_tfx  # noqa: F401  (registers modules, safe checkpoints)

    model = init_model(args.config, args.checkpoint, device=args.device)
    try:
        result = dependency_areas(model, img, bbox, layer=args.layer)
    except ValueError as e:
        raise SystemExit(str(e))
    layer = args.layer % model.neck.num_layers
    title = f'layer {layer + 1}/{model.neck.num_layers}'
    draw(result, model.dataset_meta, args.out, args.threshold, title)
    print(f'saved {args.out} ({len(result["keypoints"])} keypoints, '
          f'token grid {tuple(result["token_grid"])}, layer {layer + 1})')


if __name__ == '__main__':
    main()
