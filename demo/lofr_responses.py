"""What LOFR sees (paper Figs. 5-7): its class activation maps, the part
response map of every keypoint with the located keypoint, and the inner
product matrix of the learned pose prototypes (Fig. 6).

Example::

    python demo/lofr_responses.py IMAGE --config CONFIG --checkpoint CKPT \
        --out OUT.png [--bbox X1 Y1 X2 Y2]

Writes ``OUT.png`` (CAMs, response maps with the located keypoints) and
``OUT_prototypes.png`` (the prototype inner products, after RePPG for a
RePPG model, of the learned prototypes otherwise). One plain forward pass
(no flip test).
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
    parser.add_argument('--config', required=True, help='LOFR config')
    parser.add_argument('--checkpoint', required=True, help='checkpoint')
    parser.add_argument('--out', required=True, help='output PNG')
    parser.add_argument(
        '--bbox', type=float, nargs=4, default=None,
        metavar=('X1', 'Y1', 'X2', 'Y2'),
        help='person box in image pixels (default: the whole image)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def _check_model(model) -> None:
    from mmpose_tfx.models.heads import CAMPrototypeHead
    if not isinstance(getattr(model, 'head', None), CAMPrototypeHead):
        raise ValueError('this demo needs a model whose head is a '
                         'CAMPrototypeHead (a LOFR config)')


def lofr_maps(model, inputs) -> Dict[str, np.ndarray]:
    """CAMs ``(C, h, w)`` (1/16), response maps ``(C, H, W)`` (1/4, each a
    distribution), keypoints ``(C, 2)`` in crop pixels (MMPose's MSRA
    decoding of the response maps), class probabilities ``(C,)`` and the
    prototype inner products ``(C, C)``."""
    import torch

    _check_model(model)
    with torch.no_grad():
        out = model.head.forward_all(model.extract_feat(inputs))
        kpts, _ = model.head.decoder.decode(out['response'][0].cpu().numpy())
        protos = out['prototypes'][0]
    return dict(
        cams=out['cams'][0].cpu().numpy(),
        responses=out['response'][0].cpu().numpy(),
        keypoints=kpts[0],
        probs=out['dec_logits'][0].sigmoid().cpu().numpy(),
        prototype_products=(protos @ protos.T).cpu().numpy())


def draw(crop: np.ndarray, maps: Dict[str, np.ndarray],
         names: Sequence[str], out: str) -> str:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    k = len(names)
    h, w = crop.shape[:2]
    fig, axes = plt.subplots(2, k, figsize=(1.3 * k, 1.3 * 2 * h / w + 0.6))
    for j in range(k):
        for row, (key, title) in enumerate((('cams', 'CAM'),
                                            ('responses', 'response'))):
            ax = axes[row, j]
            ax.imshow(crop)
            m = maps[key][j]
            ax.imshow(m / max(m.max(), 1e-12), cmap='jet', alpha=0.5,
                      extent=(-0.5, w - 0.5, h - 0.5, -0.5),
                      interpolation='bilinear')
            ax.axis('off')
            if row == 0:
                ax.set_title(names[j], fontsize=5)
            else:
                x, y = maps['keypoints'][j]
                ax.plot(x, y, 'x', color='white', markersize=5,
                        markeredgewidth=1.5)
                ax.set_title(f'p={maps["probs"][j]:.2f}', fontsize=5)
    axes[0, 0].text(-0.3, 0.5, 'CAM (1/16)', transform=axes[0, 0].transAxes,
                    rotation=90, va='center', fontsize=6)
    axes[1, 0].text(-0.3, 0.5, 'part response (1/4)',
                    transform=axes[1, 0].transAxes, rotation=90,
                    va='center', fontsize=6)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out)) or '.', exist_ok=True)
    fig.savefig(out, dpi=140)
    plt.close(fig)

    proto_out = osp.splitext(out)[0] + '_prototypes.png'
    fig, ax = plt.subplots(figsize=(4.5, 4))
    im = ax.imshow(maps['prototype_products'], cmap='viridis')
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xticklabels(names, rotation=90, fontsize=5)
    ax.set_yticklabels(names, fontsize=5)
    ax.set_title('inner products of the pose prototypes (Fig. 6)',
                 fontsize=7)
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(proto_out, dpi=140)
    plt.close(fig)
    return proto_out


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, np.ndarray]:
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
        maps = lofr_maps(model, data['inputs'])
    except ValueError as e:
        raise SystemExit(str(e))
    names = keypoint_names(model.dataset_meta, model.head.num_keypoints)
    proto = draw(crop, maps, names, args.out)
    print(f'saved {args.out} and {proto}')
    return maps


if __name__ == '__main__':
    main()
