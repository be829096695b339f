"""Metrics of mmpose-tfx; importing registers them into MMPose's
``METRICS``."""
from .metrics import PersonBoxMetric

__all__ = ['PersonBoxMetric']
