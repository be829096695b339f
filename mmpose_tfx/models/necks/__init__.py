from .transformer_encoder_neck import (TransformerEncoderLayer,
                                       TransformerEncoderNeck,
                                       sine_position_embedding)

__all__ = [
    'TransformerEncoderNeck', 'TransformerEncoderLayer',
    'sine_position_embedding'
]
