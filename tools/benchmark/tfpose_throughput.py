"""Inference throughput of TFPose-R50 (N_E = 4 and 6) vs MMPose's stock
SimpleBaseline-R50 at 256x192, measured in the same run on this machine.

    flock /tmp/mmpose_tfx_cpu.lock \
        python tools/benchmark/tfpose_throughput.py [--threads 2]

The paper's Table 5 compares compute: TFPose N_E = 4 7.7 GFLOPs vs
SimpleBaseline-R50 8.9 GFLOPs (MMEngine's counter here: 7.71 vs 5.46, since
the paper counts SimpleBaseline's deconvolutions per output pixel). This
measures what that means for wall time: the deformable attention's sampling
(``grid_sample`` on the CPU path) is not in any FLOP count. Method
(alternating rounds, medians, forward / predict modes): see
``throughput.py``. ``predict`` runs each config's flip test (both models
use one).
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence

from throughput import ROOT, compare, parse_args

MODELS_ = {
    'TFPose-R50 N_E=4': osp.join(
        ROOT, 'configs/tfpose/td-reg_tfpose-r50-e4d6_4xb32-210e_coco-'
        '256x192.py'),
    'TFPose-R50 N_E=6': osp.join(
        ROOT, 'configs/tfpose/td-reg_tfpose-r50-e6d6_4xb32-210e_coco-'
        '256x192.py'),
    'SimpleBaseline-R50': 'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_res50_8xb64-210e_coco-256x192.py',
}
BASELINE = 'SimpleBaseline-R50'


def main(argv: Optional[Sequence[str]] = None) -> List[Dict]:
    args = parse_args(__doc__.split('\n\n')[0], argv)
    return compare(MODELS_, BASELINE, args, 'Inference at 256x192')


if __name__ == '__main__':
    main()
