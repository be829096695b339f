from .bottomup_transforms import BottomupShortSideResize
from .topdown_transforms import ClippedNormalBBoxTransform

__all__ = ['BottomupShortSideResize', 'ClippedNormalBBoxTransform']
