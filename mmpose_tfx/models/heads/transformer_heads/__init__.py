from .cam_prototype_head import CAMPrototypeHead
from .prtr_end_to_end_head import PRTREndToEndHead

__all__ = ['CAMPrototypeHead', 'PRTREndToEndHead']
