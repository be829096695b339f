"""Heads; importing registers them into ``mmpose.registry.MODELS``."""
__all__ = []
from .regression_heads import HungarianKeypointHead  # noqa: E402
__all__ += ['HungarianKeypointHead']
from .heatmap_heads import OffsetHeatmapHead  # noqa: E402
__all__ += ['OffsetHeatmapHead']
