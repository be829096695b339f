from .checkpoint import (CheckpointLoadError, checkpoint_safe_globals,
                         history_buffer_statistic,
                         register_checkpoint_safe_globals)

__all__ = [
    'CheckpointLoadError', 'checkpoint_safe_globals',
    'history_buffer_statistic', 'register_checkpoint_safe_globals'
]
