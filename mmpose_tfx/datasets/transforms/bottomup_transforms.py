"""Bottom-up transforms of mmpose-tfx."""
import numpy as np
from mmpose.datasets.transforms import BottomupRandomChoiceResize
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class BottomupShortSideResize(BottomupRandomChoiceResize):
    """MMPose's ``BottomupRandomChoiceResize`` (DETR-style resize to one of
    ``scales``, aspect ratio kept), with the input meta in MMPose's ``(w,
    h)`` order.

    The parent stores ``input_size = img.shape[:2]`` (``(h, w)``) and reads
    ``w, h = ori_shape`` (which is ``(h, w)``); the two swaps cancel only
    up to the rounding of the new size, so ``BottomupPoseEstimator``'s
    mapping back to the image is off by up to ``0.5 * ori / new`` pixels.
    Here ``input_size = (w_new, h_new)``, ``input_scale = (w_ori, h_ori)``,
    ``input_center = input_scale / 2``: the mapping back is the exact
    inverse of the resize (``x_ori = x * w_ori / w_new``).
    """

    def _resize_img(self, results: dict) -> None:
        super()._resize_img(results)
        h_new, w_new = results['img'].shape[:2]
        h_ori, w_ori = results['ori_shape'][:2]
        results['input_size'] = (w_new, h_new)
        results['input_scale'] = np.array([w_ori, h_ori], dtype=np.float32)
        results['input_center'] = results['input_scale'] / 2.
