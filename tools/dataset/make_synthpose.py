"""Generate the SynthPose synthetic person-keypoint dataset (COCO format).

Example::

    python tools/dataset/make_synthpose.py --out data/synthpose \\
        --num-train 4000 --num-val 500 --seed 0

writes ``OUT/train/*.jpg``, ``OUT/val/*.jpg``,
``OUT/annotations/person_keypoints_{train,val}.json`` and
``OUT/synthpose_manifest.json`` (what was written). ``OUT`` must be new or
empty; ``--overwrite`` replaces a previous SynthPose output there as a whole
(and nothing else). The dataset is built next to ``OUT`` and renamed into
place when complete, so an interrupted run leaves ``OUT`` as it was. See
``mmpose_tfx/datasets/synthpose.py`` for what is drawn and how it is labelled.
"""
import argparse
import importlib.util
import os
import sys


def _import_synthpose():
    """``mmpose_tfx.datasets.synthpose``; the repo root goes on ``sys.path``
    only when ``mmpose_tfx`` is not importable (normally it is installed
    editable). The generator needs only numpy + OpenCV, so if the package
    itself fails to import (e.g. a broken torch/mmcv install) the module file
    is loaded on its own."""
    root = os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__))))
    if importlib.util.find_spec('mmpose_tfx') is None:
        sys.path.insert(0, root)
    try:
        from mmpose_tfx.datasets import synthpose
        return synthpose
    except ImportError as e:
        path = os.path.join(root, 'mmpose_tfx', 'datasets', 'synthpose.py')
        print(f'make_synthpose: importing mmpose_tfx failed ({e}); loading '
              f'{path} on its own', file=sys.stderr)
        spec = importlib.util.spec_from_file_location('_synthpose', path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # picklable for worker processes
        spec.loader.exec_module(module)
        return module


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description='Generate the SynthPose dataset (COCO keypoint format).')
    p.add_argument('--out', required=True, help='output directory')
    p.add_argument('--num-train', type=int, default=4000,
                   help='number of training images (default 4000)')
    p.add_argument('--num-val', type=int, default=500,
                   help='number of validation images (default 500)')
    p.add_argument('--seed', type=int, default=0, help='base seed (>= 0)')
    p.add_argument('--img-size', type=int, nargs=2, default=(256, 256),
                   metavar=('W', 'H'), help='image size (default 256 256)')
    p.add_argument('--max-people', type=int, default=4,
                   help='at most this many figures per image (default 4)')
    p.add_argument('--workers', type=int, default=os.cpu_count() or 1,
                   help='worker processes (default: CPU count)')
    p.add_argument(
        '--truncation', type=float, default=0.0, metavar='P',
        help='probability in [0, 1] that a figure is placed across an image '
        'side, with 1 to 13 of its keypoints outside (labelled v=0) and at '
        'least 4 inside, so that which keypoints a person shows varies '
        '(image-level labels, e.g. LOFR); default 0 = as without the option')
    p.add_argument(
        '--overwrite', action='store_true',
        help='replace a previous SynthPose output in OUT (only one whose '
        'synthpose_manifest.json lists every file there, unchanged)')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    synthpose = _import_synthpose()
    try:
        stats = synthpose.generate_dataset(
            args.out, args.num_train, args.num_val, seed=args.seed,
            img_size=tuple(args.img_size), workers=args.workers,
            max_people=args.max_people, truncation=args.truncation,
            overwrite=args.overwrite)
    except (ValueError, OSError) as e:
        sys.exit(f'make_synthpose: error: {e}')
    except KeyboardInterrupt:
        sys.exit(f'make_synthpose: interrupted; {args.out} was left as it '
                 'was')
    print(f"SynthPose -> {args.out}: images={stats['images']} "
          f"(train {stats['train_images']}, val {stats['val_images']}) "
          f"instances={stats['instances']} "
          f"(train {stats['train_instances']}, val {stats['val_instances']}) "
          f"seconds={stats['seconds']:.1f}")


if __name__ == '__main__':
    main()
