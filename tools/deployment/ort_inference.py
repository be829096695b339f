"""Pose estimation with an exported model in ONNX Runtime.

    python tools/deployment/ort_inference.py IMAGE --onnx model.onnx \
        --config CONFIG [--bbox X1 Y1 X2 Y2] --out OUT.png

image -> the config's test pipeline (the person crop, or the whole image
for a bottom-up model) -> ONNX Runtime -> the family's own decoding (codec,
offset decoding, Hungarian read-out, response-map maxima, flip test as the
config sets it: the project's code, see ``mmpose_tfx/deployment/onnx.py``)
-> keypoints in image pixels -> MMPose's visualiser. Prints the keypoints.
Top-down without ``--bbox``: the whole image is the person box.
"""
import argparse
import os
import os.path as osp
import sys
from typing import Optional, Sequence

import numpy as np


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    from mmengine.config import DictAction
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('image')
    p.add_argument('--onnx', required=True, help='exported model')
    p.add_argument('--config', required=True, help='its config')
    p.add_argument('--bbox', type=float, nargs=4, default=None,
                   metavar=('X1', 'Y1', 'X2', 'Y2'))
    p.add_argument('--out', required=True, help='output PNG')
    p.add_argument('--threads', type=int, default=None)
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None):
    args = parse_args(argv)
    for path, what in ((args.onnx, 'ONNX file'), (args.config, 'config')):
        if not osp.isfile(path):
            sys.exit(f'ort_inference: error: {what} not found: {path}')
    sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.dirname(
        osp.abspath(__file__)))), 'demo'))
    from demo_inputs import check_box

    import mmcv
    from mmpose.apis import init_model
    from mmpose.structures import merge_data_samples
    from mmpose.visualization import PoseLocalVisualizer

    import mmpose_tfx  # noqa: F401
    from mmpose_tfx.deployment import OrtModel, ort_predict
    if osp.getsize(args.image) == 0 if osp.isfile(args.image) else True:
        sys.exit(f'ort_inference: error: image not found or empty: '
                 f'{args.image}')
    img = mmcv.imread(args.image)
    if img is None:
        sys.exit(f'ort_inference: error: cannot read image {args.image}')
    model = init_model(args.config, None, device='cpu',
                       cfg_options=args.cfg_options)
    bboxes = None
    if args.bbox is not None:
        try:
            bboxes = check_box(args.bbox, img.shape, '--bbox')[None]
        except ValueError as e:
            sys.exit(f'ort_inference: error: {e}')
    samples = ort_predict(model, OrtModel(args.onnx, args.threads), img,
                          bboxes)
    result = merge_data_samples(samples)
    vis = PoseLocalVisualizer()
    vis.set_dataset_meta(model.dataset_meta)
    vis.add_datasample('result', mmcv.bgr2rgb(img), data_sample=result,
                       draw_gt=False, draw_bbox=True, show=False)
    os.makedirs(osp.dirname(osp.abspath(args.out)) or '.', exist_ok=True)
    mmcv.imwrite(mmcv.rgb2bgr(vis.get_image()), args.out)
    kpts = result.pred_instances.keypoints
    print(f'saved {args.out}: {len(kpts)} person(s)')
    for i, k in enumerate(np.asarray(kpts)):
        print(f'person {i}: ' + ' '.join(f'({x:.1f}, {y:.1f})'
                                         for x, y in k))
    return samples


if __name__ == '__main__':
    main()
