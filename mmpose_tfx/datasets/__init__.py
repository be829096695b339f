"""Datasets of mmpose-tfx. SynthPose is written in COCO format and read by
MMPose's own ``CocoDataset``; this package holds only its generator."""
from . import synthpose  # noqa: F401

__all__ = ['synthpose']
