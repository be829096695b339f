"""Convert an official TransPose checkpoint (github yangsenius/TransPose
releases) into an MMPose checkpoint of this project's model.

    python tools/model_converters/transpose_to_mmpose.py \
        tp_h_48_256x192_enc6_d96_h192_mh1.pth work_dirs/tp-h-a6_official.pth \
        --config configs/transpose/td-hm_transpose-h-a6_4xb32-240e_coco-256x192.py

Every official key is mapped (an unmapped key is an error naming it) and
every parameter / buffer of the config's model is filled with the same
shape; the output holds ``state_dict`` and ``meta.dataset_meta``. Mapping:
:mod:`mmpose_tfx.converters.transpose`.
"""
import sys

from _common import main

if __name__ == '__main__':
    sys.exit(
        main(__doc__.splitlines()[0] + ' ' + __doc__.splitlines()[1],
             'convert_transpose'))
