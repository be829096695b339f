"""Datasets of mmpose-tfx. SynthPose is written in COCO format and read by
MMPose's own ``CocoDataset``; this package holds its generator, the
project's transforms (registered in MMPose's ``TRANSFORMS``) and dataset
wrappers (``DATASETS``)."""
from . import synthpose  # noqa: F401
from .location_labelled_subset import LocationLabelledSubset  # noqa: F401
from .transforms import (BottomupShortSideResize,  # noqa: F401
                         ClippedNormalBBoxTransform)

__all__ = [
    'synthpose', 'BottomupShortSideResize', 'ClippedNormalBBoxTransform',
    'LocationLabelledSubset'
]
