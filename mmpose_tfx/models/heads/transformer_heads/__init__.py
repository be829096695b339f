from .prtr_end_to_end_head import PRTREndToEndHead

__all__ = ['PRTREndToEndHead']
