from .hungarian_keypoint_head import HungarianKeypointHead
from .tfpose_head import TFPoseHead

__all__ = ['HungarianKeypointHead', 'TFPoseHead']
