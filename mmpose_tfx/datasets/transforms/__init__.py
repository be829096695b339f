from .bottomup_transforms import BottomupShortSideResize
from .topdown_transforms import (ClippedNormalBBoxTransform,
                                 KeypointPatchOcclusion)

__all__ = [
    'BottomupShortSideResize', 'ClippedNormalBBoxTransform',
    'KeypointPatchOcclusion'
]
