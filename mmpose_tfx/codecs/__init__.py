"""Keypoint codecs; importing registers them into ``mmpose.registry.KEYPOINT_CODECS``."""
__all__ = []
from .coordinate_regression_label import (  # noqa: E402
    CoordinateRegressionLabel, flip_normalized_coordinates)
__all__ += ['CoordinateRegressionLabel', 'flip_normalized_coordinates']
from .center_offset_heatmap import (  # noqa: E402
    CenterOffsetHeatmap, flip_center_offset, get_offset_heatmap_maximum)
__all__ += ['CenterOffsetHeatmap', 'flip_center_offset',
            'get_offset_heatmap_maximum']
from .regression_aux_heatmap_label import RegressionAuxHeatmapLabel  # noqa: E402
__all__ += ['RegressionAuxHeatmapLabel']
from .image_level_keypoint_label import (  # noqa: E402
    ImageLevelKeypointLabel, is_location_labelled, keypoints_in_crop)
__all__ += [
    'ImageLevelKeypointLabel', 'is_location_labelled', 'keypoints_in_crop'
]
