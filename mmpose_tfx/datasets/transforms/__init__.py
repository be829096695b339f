from .bottomup_transforms import BottomupShortSideResize

__all__ = ['BottomupShortSideResize']
