"""Losses; importing registers them into ``mmpose.registry.MODELS``."""
__all__ = []
from .hungarian_keypoint_loss import HungarianKeypointLoss  # noqa: E402
__all__ += ['HungarianKeypointLoss']
from .offset_weighted_l1_loss import OffsetWeightedL1Loss  # noqa: E402
__all__ += ['OffsetWeightedL1Loss']
from .part_diversity_loss import PartDiversityLoss  # noqa: E402
__all__ += ['PartDiversityLoss']
