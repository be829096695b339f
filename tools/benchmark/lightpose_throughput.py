"""Inference throughput of LightPose-R50 vs MMPose's stock SimpleBaseline-R50
at 256x192, measured in the same run on this machine.

    flock /tmp/mmpose_tfx_cpu.lock \
        python tools/benchmark/lightpose_throughput.py

Method (alternating rounds, medians, forward / predict modes): see
``throughput.py``. Prints a table (images/s, ms/image) and the LightPose /
SimpleBaseline throughput ratio per mode and batch size.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence

from throughput import ROOT, compare, parse_args

MODELS_ = {
    'LightPose-R50': osp.join(
        ROOT, 'configs/lightpose/'
        'td-hmoff_lightpose-r50_4xb32-220e_coco-256x192.py'),
    'SimpleBaseline-R50': 'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_res50_8xb64-210e_coco-256x192.py',
}
BASELINE = 'SimpleBaseline-R50'


def main(argv: Optional[Sequence[str]] = None) -> List[Dict]:
    args = parse_args(__doc__.split('\n\n')[0], argv)
    return compare(MODELS_, BASELINE, args, 'Inference at 256x192')


if __name__ == '__main__':
    main()
