"""Shared command line of the official-checkpoint converters."""
import argparse
import os.path as osp
import sys


def import_converters():
    """``mmpose_tfx.converters`` of the repository this tool belongs to (its
    root goes first on ``sys.path``, so another installed copy of the
    package is not picked up)."""
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    if root not in sys.path:
        sys.path.insert(0, root)
    import mmpose_tfx.converters as converters
    return converters


def main(description: str, convert_name: str, argv=None) -> int:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('src', help='official checkpoint (.pth)')
    parser.add_argument('dst', help='MMPose checkpoint to write (.pth)')
    parser.add_argument(
        '--config', required=True,
        help="this project's config of the same model")
    args = parser.parse_args(argv)
    converters = import_converters()
    try:
        info = getattr(converters, convert_name)(args.src, args.dst,
                                                 args.config)
    except converters.ConversionError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    print(f'wrote {args.dst}: {info["num_tensors"]} tensors for '
          f'{args.config} (dataset_meta: {info["dataset_name"]})')
    if info.get('note'):
        print(f'note: {info["note"]}')
    return 0
