"""Heads; importing registers them into ``mmpose.registry.MODELS``."""
__all__ = []
