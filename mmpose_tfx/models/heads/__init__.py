"""Heads; importing registers them into ``mmpose.registry.MODELS``."""
__all__ = []
from .regression_heads import HungarianKeypointHead, TFPoseHead  # noqa: E402
__all__ += ['HungarianKeypointHead', 'TFPoseHead']
from .heatmap_heads import OffsetHeatmapHead  # noqa: E402
__all__ += ['OffsetHeatmapHead']
from .transformer_heads import CAMPrototypeHead, PRTREndToEndHead  # noqa: E402,E501
__all__ += ['CAMPrototypeHead', 'PRTREndToEndHead']
