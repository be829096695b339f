"""Codec oracle of LightPose's low-resolution labels (no training): encode the
ground truth, decode it again, and measure the error in input pixels.

    python tools/benchmark/lightpose_codec_oracle.py [--input-size 192 256]

For SynthPose val (data/synthpose) and the real COCO sample
(../shared/data/coco/test_coco.json), every person box is cropped with
MMPose's own GetBBoxCenterScale + TopdownAffine to the input size (default
256x192, the paper's); every labelled keypoint inside the crop is encoded
and decoded at output strides R = 4, 8, 16, 32 with

- ``hm argmax``: heatmap-only label of CenterOffsetHeatmap (Gaussian on the
  cell floor(p/R)), decoded at the centre of the argmax cell;
- ``hm MSRA``: MMPose's MSRAHeatmap (Gaussian on round(p/R)), argmax + its
  quarter-cell shift towards the higher neighbour;
- ``hm DARK``: MMPose's MSRAHeatmap with ``unbiased=True`` (sub-pixel
  Gaussian, DARK decoding: Taylor expansion of the log heatmap);
- ``hm + offset``: CenterOffsetHeatmap with its offsets (LightPose).

All heatmaps use sigma = 8 / R cells (the LightPose configs' choice; DARK's
blur kernel follows its sigma formula, at least 3). Prints the mean / max
Euclidean error per dataset and stride.
"""
import argparse
import os.path as osp
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DATASETS = {
    'SynthPose val': dict(
        data_root=osp.join(ROOT, 'data/synthpose/'),
        ann_file='annotations/person_keypoints_val.json',
        data_prefix=dict(img='val/')),
    'COCO sample': dict(
        data_root=osp.join(ROOT, '../shared/data/coco/'),
        ann_file='test_coco.json',
        data_prefix=dict(img='')),
}
STRIDES = (4, 8, 16, 32)
METHODS = ('hm argmax', 'hm MSRA', 'hm DARK', 'hm + offset')


def dark_kernel(sigma: float) -> int:
    """DARK's blur kernel for ``sigma`` (sigma = 0.3((ks-1)/2 - 1) + 0.8),
    rounded to the nearest odd size; at least 3, the smallest MMPose's
    ``gaussian_blur`` accepts (sigma <= 0.8, i.e. R >= 16 here)."""
    ks = ((sigma - 0.8) / 0.3 + 1) * 2 + 1
    return max(3, int(2 * round((ks - 1) / 2) + 1))


def crops(name: str, input_size: Tuple[int, int]
          ) -> Tuple[List[np.ndarray], List[np.ndarray]]:
    """Keypoints ``(1, K, 2)`` in input pixels and visibility ``(1, K)`` of
    every person box of the dataset after MMPose's top-down crop."""
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS as REG

    import mmpose_tfx  # noqa: F401
    init_default_scope('mmpose')
    cfg = dict(
        type='CocoDataset',
        data_mode='topdown',
        pipeline=[
            dict(type='LoadImage'),
            dict(type='GetBBoxCenterScale'),
            dict(type='TopdownAffine', input_size=input_size)
        ],
        **DATASETS[name])
    dataset = REG.build(cfg)
    kpts, vis = [], []
    for i in range(len(dataset)):
        item = dataset[i]
        kpts.append(item['transformed_keypoints'][..., :2].astype(np.float32))
        vis.append(item['keypoints_visible'].reshape(1, -1).astype(
            np.float32))
    return kpts, vis


def oracle_errors(kpts: Sequence[np.ndarray], vis: Sequence[np.ndarray],
                  input_size: Tuple[int, int], stride: int
                  ) -> Dict[str, np.ndarray]:
    """Per-keypoint Euclidean round-trip error (input pixels) of each
    method over the labelled keypoints inside the crop."""
    from mmpose.codecs import MSRAHeatmap

    from mmpose_tfx.codecs import CenterOffsetHeatmap
    w, h = input_size
    sigma = 8. / stride
    hm_size = (w // stride, h // stride)
    codecs = {
        'hm argmax': CenterOffsetHeatmap(input_size, stride, sigma,
                                         use_offset=False),
        'hm MSRA': MSRAHeatmap(input_size, hm_size, sigma),
        'hm DARK': MSRAHeatmap(input_size, hm_size, sigma, unbiased=True,
                               blur_kernel_size=dark_kernel(sigma)),
        'hm + offset': CenterOffsetHeatmap(input_size, stride, sigma),
    }
    errors = {m: [] for m in METHODS}
    for kpt, v in zip(kpts, vis):
        inside = (v[0] > 0) & (kpt[0, :, 0] >= -0.5) & \
            (kpt[0, :, 0] < w - 0.5) & (kpt[0, :, 1] >= -0.5) & \
            (kpt[0, :, 1] < h - 0.5)
        if not inside.any():
            continue
        for m, codec in codecs.items():
            enc = codec.encode(kpt, v)
            if m == 'hm + offset':
                dec, _ = codec.decode(enc['heatmaps'], enc['offsets'])
            else:
                dec, _ = codec.decode(enc['heatmaps'])
            err = np.linalg.norm(dec[0, :, :2] - kpt[0], axis=-1)
            errors[m].append(err[inside])
    return {m: np.concatenate(e) for m, e in errors.items()}


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, dict]:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--input-size', type=int, nargs=2, default=(192, 256),
                        metavar=('W', 'H'))
    args = parser.parse_args(argv)
    input_size = tuple(args.input_size)
    # MMPose's DARK blur divides by the peak of all-zero maps (unlabelled
    # keypoints) and its dataset warns about the metainfo path: harmless
    warnings.filterwarnings('ignore', category=RuntimeWarning)
    warnings.filterwarnings('ignore', message='.*metainfo config file.*')
    rows = {}
    print(f'Codec oracle at input {input_size[1]}x{input_size[0]}: mean '
          '(max) round-trip error in input pixels\n')
    print('| data | R | heatmap | keypoints | ' + ' | '.join(METHODS) + ' |')
    print('|---|---|---|---|' + '---|' * len(METHODS))
    for name in DATASETS:
        kpts, vis = crops(name, input_size)
        for stride in STRIDES:
            errs = oracle_errors(kpts, vis, input_size, stride)
            n = len(errs[METHODS[0]])
            rows[f'{name} R={stride}'] = {
                m: dict(mean=float(e.mean()), max=float(e.max()))
                for m, e in errs.items()
            }
            cells = ' | '.join(f'{_fmt(e.mean())} ({_fmt(e.max())})'
                               for e in errs.values())
            print(f'| {name} | {stride} | {input_size[0] // stride}x'
                  f'{input_size[1] // stride} | {n} | {cells} |')
    for name in DATASETS:
        r = rows[f'{name} R=16']
        print(f'\n{name}, R=16: mean error {r["hm argmax"]["mean"]:.2f} px '
              f'(heatmap-only argmax), {r["hm DARK"]["mean"]:.2f} px (DARK), '
              f'{r["hm + offset"]["mean"]:.1e} px (heatmap + offset).')
    return rows


def _fmt(v: float) -> str:
    return f'{v:.3f}' if v >= 0.01 else f'{v:.1e}'


if __name__ == '__main__':
    main()
