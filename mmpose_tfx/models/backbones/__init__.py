from .hrnet_s import HRNetS

__all__ = ['HRNetS']
from .hrnet_stride32 import HRNetStride32
__all__ += ['HRNetStride32']
from .lightpose_hrnet import LightPoseHRNet
__all__ += ['LightPoseHRNet']
