"""A model built for K keypoints used with a dataset of K' != K keypoints
fails deep inside MMPose (a flip-test assertion in ``tta.py``, a broadcast
error in a loss or in the metric's sigmas). This checks the count once and
early, and names both numbers and where they come from:

- :class:`KeypointCountCheckHook` (in every project config's
  ``custom_hooks``): before training or testing starts, the head's count
  against each dataloader's dataset metainfo;
- :func:`check_keypoint_count`: the same check on a batch's data samples,
  called by the project's heads in ``loss`` / ``predict`` (so ``init_model``
  and the inferencer, which use no runner, get the same message).
"""
from typing import Optional, Sequence

from mmengine.hooks import Hook
from mmpose.registry import HOOKS


def head_keypoint_count(head) -> Optional[int]:
    """The number of keypoints a head predicts (``num_keypoints``, else
    MMPose's heatmap heads' ``out_channels``), or None if it has neither."""
    for name in ('num_keypoints', 'out_channels'):
        value = getattr(head, name, None)
        if isinstance(value, int):
            return value
    return None


def check_keypoint_count(head_name: str, num_keypoints: int,
                         batch_data_samples: Optional[Sequence]) -> None:
    """Raise a clear error when the samples' dataset has another keypoint
    count than the head (read from the packed ``flip_indices`` metainfo,
    which every MMPose pipeline carries)."""
    if not batch_data_samples:
        return
    flip = batch_data_samples[0].metainfo.get('flip_indices')
    if flip is not None and len(flip) != num_keypoints:
        raise ValueError(
            f'keypoint count mismatch: the dataset has {len(flip)} '
            f'keypoints (its metainfo: flip_indices), but {head_name} was '
            f'built for {num_keypoints} (num_keypoints in the head config)')


@HOOKS.register_module()
class KeypointCountCheckHook(Hook):
    """Before training / validation / testing, compare the model head's
    keypoint count with each dataloader's dataset metainfo."""

    priority = 'VERY_HIGH'

    def _check(self, runner, loader_names: Sequence[str]) -> None:
        model = runner.model
        model = getattr(model, 'module', model)  # DDP wrapper
        head = getattr(model, 'head', None)
        count = head_keypoint_count(head) if head is not None else None
        if count is None:
            return
        for name in loader_names:
            try:  # the built loop's dataloader (None / error: no such loop)
                loader = getattr(runner, f'{name}_dataloader')
            except Exception:
                continue
            dataset = getattr(loader, 'dataset', None)
            meta = getattr(dataset, 'metainfo', None)
            if not meta or 'num_keypoints' not in meta:
                continue
            if meta['num_keypoints'] != count:
                raise ValueError(
                    f"keypoint count mismatch: the {name} dataset "
                    f"({type(dataset).__name__}) has "
                    f"{meta['num_keypoints']} keypoints (its metainfo), but "
                    f'the model head {type(head).__name__} was built for '
                    f'{count} (num_keypoints / out_channels in the head '
                    'config)')

    def before_train(self, runner) -> None:
        self._check(runner, ['train', 'val'])

    def before_test(self, runner) -> None:
        self._check(runner, ['test'])

    def before_val(self, runner) -> None:
        self._check(runner, ['val'])
