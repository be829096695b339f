"""Model utilities (matchers, transformer blocks) of mmpose-tfx."""
from .hungarian_matcher import (KeypointHungarianMatcher, readout_assignment,
                                solve_assignment)
from .keypoint_query_decoder import (DecoderLayerWithoutQ2Q,
                                     KeypointQueryDecoder, refine_coordinates)
from .keypoint_transformer import (KeypointDetectionTransformer,
                                   TransformerDecoderLayer)
from .person_detector import PersonDetectionTransformer
from .semantic_graph_conv import SemanticGraphConv, skeleton_adjacency
from .stn_crop import (box_sampling_grid, crop_features, enlarge_boxes,
                       from_box_frame, to_box_frame)

__all__ = [
    'KeypointHungarianMatcher', 'readout_assignment', 'solve_assignment',
    'KeypointDetectionTransformer', 'TransformerDecoderLayer',
    'KeypointQueryDecoder', 'DecoderLayerWithoutQ2Q', 'refine_coordinates',
    'PersonDetectionTransformer', 'box_sampling_grid', 'crop_features',
    'enlarge_boxes', 'from_box_frame', 'to_box_frame', 'SemanticGraphConv',
    'skeleton_adjacency'
]
