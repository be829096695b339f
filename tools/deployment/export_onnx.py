"""Export a project model's network (tensor mode) to ONNX.

    python tools/deployment/export_onnx.py CONFIG CHECKPOINT --out model.onnx \
        [--input-size W H] [--batch dynamic|N] [--opset 17] [--check]

The graph takes ``input`` ``(B, 3, H, W)`` (the image already normalised as
the config's data preprocessor does) and returns the head's outputs before
decoding, named per family (heatmaps / offsets / cls_logits + coords /
coords / response_maps + presence_logits / person_scores, boxes,
crop_boxes, kpt_logits, kpt_coords). ``--input-size`` defaults to the
config's input size (top-down) or its ``complexity_input_size``
(bottom-up); ``--batch dynamic`` (default) makes the batch axis dynamic.
``--check`` runs ONNX Runtime on the traced input (batch 1 and 3 for a
dynamic batch) and prints the largest difference to PyTorch relative to
each output's scale. See ``mmpose_tfx/deployment/onnx.py``.
"""
import argparse
import os.path as osp
import sys
from typing import Optional, Sequence


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    from mmengine.config import DictAction
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint', help="checkpoint, or 'none' for random "
                   'weights (for testing the export only)')
    p.add_argument('--out', required=True, help='output .onnx file')
    p.add_argument('--input-size', type=int, nargs=2, metavar=('W', 'H'))
    p.add_argument('--batch', default='dynamic',
                   help="'dynamic' or a fixed batch size")
    p.add_argument('--opset', type=int, default=17)
    p.add_argument('--check', action='store_true')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> dict:
    args = parse_args(argv)
    if not osp.isfile(args.config):
        sys.exit(f'export_onnx: error: config not found: {args.config}')
    if args.checkpoint != 'none' and not osp.isfile(args.checkpoint):
        sys.exit(f'export_onnx: error: checkpoint not found: '
                 f'{args.checkpoint}')
    if args.batch != 'dynamic' and not args.batch.isdigit():
        sys.exit("export_onnx: error: --batch must be 'dynamic' or a "
                 f'positive integer, got {args.batch!r}')
    import torch
    from mmpose.apis import init_model

    import mmpose_tfx  # noqa: F401
    from mmpose_tfx.deployment import (OnnxExportError, OrtModel,
                                       TensorMode, default_input_size,
                                       export_onnx, max_relative_error)
    ckpt = None if args.checkpoint == 'none' else args.checkpoint
    model = init_model(args.config, ckpt, device='cpu',
                       cfg_options=args.cfg_options)
    try:
        w, h = args.input_size or default_input_size(model.cfg)
    except ValueError as e:
        sys.exit(f'export_onnx: error: {e}; give --input-size W H')
    batch = None if args.batch == 'dynamic' else int(args.batch)
    name = osp.splitext(osp.basename(args.config))[0]
    try:
        info = export_onnx(model, args.out, (w, h), batch, args.opset, name)
    except OnnxExportError as e:
        sys.exit(f'export_onnx: error: {e}')
    for note in info['notes']:
        print(f'note: {note}')
    print(f'exported {name} -> {args.out} (input (B, 3, {h}, {w}), '
          f"outputs {', '.join(info['outputs'])}, "
          f"{'dynamic' if batch is None else batch} batch)")
    if args.check:
        ort = OrtModel(args.out)
        wrapper = TensorMode(model).eval()
        for b in ([1, 3] if batch is None else [batch]):
            x = torch.randn(b, 3, h, w, generator=torch.Generator()
                            .manual_seed(b))
            with torch.no_grad():
                ref = wrapper(x)
            errs = max_relative_error(ref, ort(x.numpy()))
            print(f'batch {b}: max |onnx - torch| / scale per output: ' +
                  ', '.join(f'{n} {e:.2e}'
                            for n, e in zip(info['outputs'], errs)))
            info[f'errors_batch{b}'] = errs
    return info


if __name__ == '__main__':
    main()
