"""Engine parts of mmpose-tfx (hooks registered in MMPose's ``HOOKS``)."""
from .hooks import KeypointCountCheckHook, check_keypoint_count

__all__ = ['KeypointCountCheckHook', 'check_keypoint_count']
