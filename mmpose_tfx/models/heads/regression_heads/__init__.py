from .hungarian_keypoint_head import HungarianKeypointHead

__all__ = ['HungarianKeypointHead']
