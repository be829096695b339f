"""The location-labelled part of a top-down dataset (LOFR's "Sup-only"
baselines, section 4.3.2 / Table 4): the instances that
:func:`~mmpose_tfx.codecs.is_location_labelled` picks for a fraction and a
seed, i.e. exactly those that carry location labels in the
semi-supervised run with the same ``labelled_fraction`` / ``split_seed``.
"""
from typing import Any

from mmpose.registry import DATASETS

from ..codecs.image_level_keypoint_label import is_location_labelled


@DATASETS.register_module()
class LocationLabelledSubset:
    """Wraps a top-down dataset and keeps its location-labelled instances.

    Args:
        dataset (dict): The dataset config (top-down, with annotation
            ``id`` per instance).
        labelled_fraction (float): As the codec's.
        split_seed (int): As the codec's.
    """

    def __init__(self, dataset: dict, labelled_fraction: float,
                 split_seed: int = 0) -> None:
        self.dataset = DATASETS.build(dataset)
        self.labelled_fraction = labelled_fraction
        self.split_seed = split_seed
        self.indices = [
            i for i in range(len(self.dataset)) if is_location_labelled(
                self.dataset.get_data_info(i)['id'], labelled_fraction,
                split_seed)
        ]
        if not self.indices:
            raise ValueError(
                f'no instance of the {len(self.dataset)} is location-'
                f'labelled at fraction {labelled_fraction}')

    @property
    def metainfo(self) -> dict:
        return self.dataset.metainfo

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, idx: int) -> Any:
        return self.dataset[self.indices[idx]]

    def get_data_info(self, idx: int) -> dict:
        return self.dataset.get_data_info(self.indices[idx])
