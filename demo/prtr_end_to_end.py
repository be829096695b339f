"""What the end-to-end PRTR sees in an image (paper section 3.3, Fig. 3).

Draws, for every person the model keeps (person probability above the
config's ``test_cfg.score_thr``, at most ``num_people``): the predicted
person box with its score, the enlarged (x1.25) region the STN crops the
keypoint features from, and the person's keypoints and skeleton; with
``--layers``, the box of each kept person after every DETR decoder layer
(how the person queries refine). Saved as one PNG.

Example::

    python demo/prtr_end_to_end.py IMAGE --config CONFIG --checkpoint CKPT \
        --out OUT.png [--layers] [--score-thr 0.3]
"""
import argparse
import os
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np
from demo_inputs import load_image_and_box


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('image', help='input image file')
    parser.add_argument('--config', required=True,
                        help='end-to-end PRTR config (prtr-e2e_*)')
    parser.add_argument('--checkpoint', required=True, help='checkpoint')
    parser.add_argument('--out', required=True, help='output PNG')
    parser.add_argument('--layers', action='store_true',
                        help='also draw the boxes of every decoder layer')
    parser.add_argument('--score-thr', type=float, default=None,
                        help='person probability threshold (default: the '
                        "config's test_cfg.score_thr)")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def _check_model(model) -> None:
    from mmpose_tfx.models.heads import PRTREndToEndHead
    if not isinstance(getattr(model, 'head', None), PRTREndToEndHead):
        raise ValueError('this demo needs a model whose head is a '
                         'PRTREndToEndHead (a prtr-e2e_* config)')


def detect_people(model, img: np.ndarray,
                  score_thr: Optional[float] = None) -> Dict[str, np.ndarray]:
    """Run the model on the whole image.

    Returns:
        dict, all in image pixels: ``bboxes (N, 4)``, ``bbox_scores (N,)``,
        ``crop_boxes (N, 4)`` (the enlarged regions), ``keypoints (N, J,
        2)``, ``keypoint_scores (N, J)`` and ``layer_boxes (L, N, 4)`` (the
        kept people's boxes after every decoder layer).
    """
    import torch
    from mmengine.dataset import Compose, pseudo_collate

    _check_model(model)
    pipeline = Compose(model.cfg.test_dataloader.dataset.pipeline)
    data_info = dict(img=img)
    data_info.update(model.dataset_meta)
    batch = pseudo_collate([pipeline(data_info)])
    thr = model.test_cfg.get('score_thr', 0.05) if score_thr is None \
        else score_thr
    with torch.no_grad():
        data = model.data_preprocessor(batch, False)
        samples = data['data_samples']
        feats = model.extract_feat(data['inputs'])
        head = model.head
        cls, boxes = head.detect(feats, samples)
        scores, xyxy, crop, logits, coords = head(feats, samples)
        kpts, kscores = head.read_out(crop, logits, coords)
        prob = cls[-1].softmax(-1)[..., 0][0]  # (Q,)
        order = prob.topk(scores.shape[1]).indices
        keep = scores[0] > thr
        h, w = samples[0].img_shape
        size = boxes.new_tensor([w, h, w, h])
        cxcy, wh = boxes[:, 0, order[keep], :2], boxes[:, 0, order[keep], 2:]
        layer_boxes = torch.cat([cxcy - wh / 2, cxcy + wh / 2], -1) * size
        crop = crop[0][keep]
    meta = samples[0].metainfo
    # input pixels -> image pixels, as BottomupPoseEstimator does
    factor = np.asarray(meta['input_scale']) / np.asarray(meta['input_size'])
    offset = np.asarray(meta['input_center']) - 0.5 * np.asarray(
        meta['input_scale'])

    def to_image(a):
        a = a.cpu().numpy()
        shape = a.shape
        return (a.reshape(*shape[:-1], -1, 2) * factor + offset).reshape(
            shape)

    return dict(
        bboxes=to_image(xyxy[0][keep]),
        bbox_scores=scores[0][keep].cpu().numpy(),
        crop_boxes=to_image(crop),
        keypoints=to_image(kpts[0][keep]),
        keypoint_scores=kscores[0][keep].cpu().numpy(),
        layer_boxes=to_image(layer_boxes))


def draw(img: np.ndarray, people: Dict[str, np.ndarray], dataset_meta: dict,
         out: str, layers: bool = False) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    h, w = img.shape[:2]
    fig, ax = plt.subplots(figsize=(6, 6 * h / w))
    ax.imshow(img[..., ::-1])
    links = dataset_meta.get('skeleton_links', [])
    colors = plt.cm.tab10(np.linspace(0, 1, 10))
    n = len(people['bboxes'])
    for i in range(n):
        c = colors[i % 10]
        if layers:
            for lb in people['layer_boxes'][:-1, i]:
                ax.add_patch(Rectangle(lb[:2], *(lb[2:] - lb[:2]), fill=False,
                                       edgecolor=c, linewidth=0.6,
                                       linestyle=':', alpha=0.7))
        x1, y1, x2, y2 = people['bboxes'][i]
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False,
                               edgecolor=c, linewidth=1.5))
        cx1, cy1, cx2, cy2 = people['crop_boxes'][i]
        ax.add_patch(Rectangle((cx1, cy1), cx2 - cx1, cy2 - cy1, fill=False,
                               edgecolor=c, linewidth=0.8, linestyle='--'))
        ax.text(x1, y1 - 2, f'{people["bbox_scores"][i]:.2f}', color='white',
                fontsize=7, bbox=dict(facecolor=c, edgecolor='none',
                                      pad=1))
        k = people['keypoints'][i]
        for a, b in links:
            ax.plot(k[[a, b], 0], k[[a, b], 1], '-', color=c, linewidth=1.2)
        ax.scatter(k[:, 0], k[:, 1], s=9, color=c, edgecolors='white',
                   linewidths=0.4, zorder=3)
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    ax.axis('off')
    ax.set_title(f'{n} people: box + score (solid), STN crop region x1.25 '
                 '(dashed)' + (', decoder layers (dotted)' if layers else ''),
                 fontsize=7)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out)) or '.', exist_ok=True)
    fig.savefig(out, dpi=130)
    plt.close(fig)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, np.ndarray]:
    args = parse_args(argv)
    img, _ = load_image_and_box(args.image, args.config, args.checkpoint,
                                None)
    from mmpose.apis import init_model

    import mmpose_tfx  # noqa: F401  (registers modules, safe checkpoints)

    model = init_model(args.config, args.checkpoint, device=args.device,
                       cfg_options=args.cfg_options)
    try:
        people = detect_people(model, img, args.score_thr)
    except ValueError as e:
        raise SystemExit(str(e))
    draw(img, people, model.dataset_meta, args.out, args.layers)
    print(f'saved {args.out} ({len(people["bboxes"])} people)')
    return people


if __name__ == '__main__':
    main()
