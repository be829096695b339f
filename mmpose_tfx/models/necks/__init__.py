from .deformable_encoder_neck import (DeformableEncoderNeck, flatten_levels,
                                      split_levels)
from .transformer_encoder_neck import (TransformerEncoderLayer,
                                       TransformerEncoderNeck,
                                       sine_position_embedding)

__all__ = [
    'TransformerEncoderNeck', 'TransformerEncoderLayer',
    'sine_position_embedding', 'DeformableEncoderNeck', 'flatten_levels',
    'split_levels'
]
