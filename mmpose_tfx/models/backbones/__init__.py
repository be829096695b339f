from .hrnet_s import HRNetS
from .hrnet_stride32 import HRNetStride32
from .lightpose_hrnet import LightPoseHRNet

__all__ = ['HRNetS', 'HRNetStride32', 'LightPoseHRNet']
