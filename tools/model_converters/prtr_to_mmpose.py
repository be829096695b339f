"""Convert an official PRTR two-stage checkpoint (github mlpc-ucsd/PRTR,
two_stage model zoo) into an MMPose checkpoint of this project's model.

    python tools/model_converters/prtr_to_mmpose.py \
        pose_transformer_hrnet_w32_384x288.pth work_dirs/prtr-w32_official.pth \
        --config configs/prtr/td-reg_prtr-hrnet-w32_4xb16-200e_coco-384x288.py

Every official key is mapped (an unmapped key is an error naming it) and
every parameter / buffer of the config's model is filled with the same
shape; the output holds ``state_dict`` and ``meta.dataset_meta``. The
official ResNet models were trained on BGR input: test them with
``--cfg-options model.data_preprocessor.bgr_to_rgb=False`` (the tool says
so). Mapping: :mod:`mmpose_tfx.converters.prtr`.
"""
import sys

from _common import main

if __name__ == '__main__':
    sys.exit(
        main(__doc__.splitlines()[0] + ' ' + __doc__.splitlines()[1],
             'convert_prtr'))
