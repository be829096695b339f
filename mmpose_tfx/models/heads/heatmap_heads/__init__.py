from .offset_heatmap_head import OffsetHeatmapHead

__all__ = ['OffsetHeatmapHead']
