"""Converters of the authors' released checkpoints into MMPose checkpoints
of this project's models (``tools/model_converters/``)."""
from .common import (ConversionError, KeyRule, build_model,
                     convert_checkpoint, convert_state_dict,
                     extract_state_dict, load_official_checkpoint, map_keys)
from .prtr import BGR_NOTE, PRTR_RULES, convert_prtr
from .transpose import TRANSPOSE_RULES, convert_transpose

__all__ = [
    'ConversionError', 'KeyRule', 'build_model', 'convert_checkpoint',
    'convert_state_dict', 'extract_state_dict', 'load_official_checkpoint',
    'map_keys', 'BGR_NOTE', 'PRTR_RULES', 'convert_prtr', 'TRANSPOSE_RULES',
    'convert_transpose'
]
