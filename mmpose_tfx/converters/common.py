"""Key mapping from an official checkpoint to this project's model.

A converter is a list of :class:`KeyRule` (regular expression on the
official key -> this project's key, optional tensor transform). Conversion
is strict both ways:

- every key of the official state dict must match a rule, else
  :class:`ConversionError` names it (nothing is dropped silently);
- every parameter and buffer of the model built from ``--config`` must be
  produced with the same shape, else the error names the key(s) and the
  official key each came from. The only exception is BatchNorm's
  ``num_batches_tracked`` counter, which DETR's ``FrozenBatchNorm2d`` (PRTR's
  ResNets) does not have: it is filled with 0 (MMPose's BN in eval mode
  never reads it).

The result is an MMPose checkpoint: ``{'state_dict': ..., 'meta':
{'dataset_meta': ...}}`` with the dataset metainfo of the config (keypoint
names, flip indices, sigmas), which ``init_model`` and ``MMPoseInferencer``
read, and which ``mim test`` / ``load_checkpoint`` load without missing or
unexpected keys.
"""
import os.path as osp
import re
from collections import OrderedDict
from typing import (Callable, Dict, List, Mapping, NamedTuple, Optional,
                    Sequence, Tuple)

import torch
from torch import Tensor, nn


class ConversionError(ValueError):
    """An official checkpoint that cannot be converted (the message names
    the file or the keys)."""


class KeyRule(NamedTuple):
    """``pattern`` (``re.fullmatch`` on the official key) -> ``target``
    (``Match.expand`` template), then ``transform`` on the tensor."""
    pattern: str
    target: str
    transform: Optional[Callable[[Tensor], Tensor]] = None


# wrappers of a state dict in the files the reference code saves: PRTR's
# test.py prefers 'best_state_dict' over the full checkpoint's 'state_dict'
_STATE_DICT_KEYS = ('best_state_dict', 'state_dict', 'model_state_dict',
                    'model')


def _listing(keys: Sequence[str], limit: int = 20) -> str:
    shown = ', '.join(repr(k) for k in keys[:limit])
    return shown + (f', ... ({len(keys) - limit} more)'
                    if len(keys) > limit else '')


def extract_state_dict(obj, name: str = 'checkpoint'
                       ) -> 'OrderedDict[str, Tensor]':
    """The state dict inside a loaded official checkpoint.

    Accepts a plain state dict (TransPose's releases, PRTR's
    ``final_state.pth``) or a training checkpoint holding one under
    ``best_state_dict`` / ``state_dict`` / ``model_state_dict`` / ``model``;
    a ``module.`` prefix (``DataParallel``) is removed.

    Raises:
        ConversionError: if no mapping of names to tensors is found.
    """
    if isinstance(obj, Mapping):
        for key in _STATE_DICT_KEYS:
            if isinstance(obj.get(key), Mapping):
                obj = obj[key]
                break
    if not isinstance(obj, Mapping) or not obj:
        raise ConversionError(f'{name} holds no state dict (a mapping of '
                              f'parameter names to tensors), got '
                              f'{type(obj).__name__}')
    bad = [k for k, v in obj.items() if not isinstance(v, Tensor)]
    if bad:
        raise ConversionError(f'{name} is not a state dict: entries that '
                              f'are not tensors: {_listing(bad, 5)}')
    keys = list(obj)
    if all(k.startswith('module.') for k in keys):
        keys = [k[len('module.'):] for k in keys]
    return OrderedDict(zip(keys, obj.values()))


def load_official_checkpoint(path: str) -> 'OrderedDict[str, Tensor]':
    """Load an official ``.pth`` on the CPU with ``weights_only=True`` (no
    code from the file runs) and return its state dict."""
    if not osp.isfile(path):
        raise ConversionError(f'official checkpoint not found: {path}')
    try:
        obj = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as e:  # unpickling errors of every kind
        raise ConversionError(
            f'{path} could not be loaded as a PyTorch checkpoint '
            f'({type(e).__name__}: {e})') from e
    return extract_state_dict(obj, path)


def map_keys(state: Mapping[str, Tensor], rules: Sequence[KeyRule]
             ) -> Tuple['OrderedDict[str, Tensor]', Dict[str, str]]:
    """Rename (and transform) every official key by the first matching rule.

    Returns:
        tuple: the renamed state dict and ``{new key: official key}``.

    Raises:
        ConversionError: naming the keys no rule matches, or two official
            keys that map to one key.
    """
    out: 'OrderedDict[str, Tensor]' = OrderedDict()
    origin: Dict[str, str] = {}
    unmapped: List[str] = []
    for key, value in state.items():
        for rule in rules:
            match = re.fullmatch(rule.pattern, key)
            if match is None:
                continue
            new = match.expand(rule.target)
            if new in out:
                raise ConversionError(
                    f'official keys {origin[new]!r} and {key!r} both map to '
                    f'{new!r}')
            try:
                out[new] = rule.transform(value) if rule.transform else value
            except ValueError as e:
                raise ConversionError(f'official key {key!r}: {e}') from e
            origin[new] = key
            break
        else:
            unmapped.append(key)
    if unmapped:
        raise ConversionError(
            f'{len(unmapped)} key(s) of the official checkpoint have no '
            f'counterpart in this project (not converted, nothing dropped): '
            f'{_listing(unmapped)}')
    return out, origin


def convert_state_dict(state: Mapping[str, Tensor],
                       rules: Sequence[KeyRule],
                       model: nn.Module) -> 'OrderedDict[str, Tensor]':
    """Map an official state dict onto ``model``'s, checked both ways.

    Returns:
        OrderedDict: exactly ``model.state_dict()``'s keys, in its order,
        with the official tensors (floating tensors cast to the model's
        dtype); missing ``num_batches_tracked`` counters are 0.

    Raises:
        ConversionError: naming unmapped official keys, keys the model does
            not have, shape mismatches, or model keys left without a value.
    """
    converted, origin = map_keys(state, rules)
    expected = model.state_dict()
    unexpected = [k for k in converted if k not in expected]
    if unexpected:
        raise ConversionError(
            'official key(s) mapped to names the model built from the config '
            'does not have (is it the checkpoint\'s model?): ' + _listing(
                [f'{origin[k]} -> {k}' for k in unexpected]))
    wrong = [
        f'{origin[k]} {tuple(v.shape)} -> {k} {tuple(expected[k].shape)}'
        for k, v in converted.items() if v.shape != expected[k].shape
    ]
    if wrong:
        raise ConversionError(
            'shape mismatch between the official checkpoint and the model '
            'built from the config (is it the checkpoint\'s model?): ' +
            _listing(wrong))
    out: 'OrderedDict[str, Tensor]' = OrderedDict()
    missing = []
    for key, ref in expected.items():
        if key in converted:
            value = converted[key]
            if value.is_floating_point() and ref.is_floating_point():
                value = value.to(ref.dtype)
            out[key] = value.detach().clone().contiguous()
        elif key.endswith('.num_batches_tracked'):
            out[key] = torch.zeros_like(ref)
        else:
            missing.append(key)
    if missing:
        raise ConversionError(
            f'{len(missing)} parameter(s) / buffer(s) of the model built from '
            f'the config are not in the official checkpoint: '
            f'{_listing(missing)}')
    return out


def build_model(config) -> tuple:
    """``(model, cfg)``: ``config``'s model built on the CPU without
    initialising it (no pretrained weights are downloaded)."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    import mmpose_tfx  # noqa: F401  (registers the project's modules)
    cfg = config if isinstance(config, Config) else Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    return MODELS.build(cfg.model), cfg


def convert_checkpoint(src: str, dst: str, config: str,
                       rules: Sequence[KeyRule]) -> dict:
    """Official ``src`` -> MMPose checkpoint ``dst`` for ``config``'s model.

    The converted state dict is loaded into the built model with
    ``strict=True`` before it is written, and saved with
    ``meta.dataset_meta`` (the config's training dataset metainfo, parsed
    by MMPose's ``parse_pose_metainfo``).

    Returns:
        dict: ``num_tensors``, ``dataset_name`` and the ``config`` path.
    """
    from mmpose.apis.inference import dataset_meta_from_config
    state = load_official_checkpoint(src)
    model, cfg = build_model(config)
    converted = convert_state_dict(state, rules, model)
    model.load_state_dict(converted, strict=True)
    dataset_meta = dataset_meta_from_config(cfg, dataset_mode='train')
    if dataset_meta is None:
        raise ConversionError(f'{config} names no training dataset to take '
                              'the keypoint metainfo from')
    meta = dict(
        dataset_meta=dataset_meta,
        converted_from=osp.basename(src),
        config=str(config))
    torch.save(dict(state_dict=converted, meta=meta), dst)
    return dict(
        num_tensors=len(converted),
        dataset_name=dataset_meta.get('dataset_name'),
        config=str(config))
