"""Let MMPose / MMEngine checkpoints load under torch's ``weights_only``
default, and nothing else.

Since torch 2.6, ``torch.load`` unpickles with ``weights_only=True``. MMEngine
0.10.7 does not pass ``weights_only`` (checkpoint loading in ``mim test``,
``--resume``, ``mmpose.apis.init_model`` and ``MMPoseInferencer`` all go
through ``mmengine.runner.checkpoint``), and MMPose checkpoints carry numpy
arrays and scalars (``meta['dataset_meta']``: sigmas, flip indices, colours)
and, for resuming, MMEngine's ``HistoryBuffer`` objects in the message hub.
The stock result is ``Weights only load failed ...
numpy.core.multiarray._reconstruct``.

Rather than switching the safe unpickler off, this module allow-lists exact
data types (``torch.serialization.add_safe_globals``); anything else still
fails to load. It runs on ``import mmpose_tfx``, which every project config
does via ``custom_imports``. The allow-list:

- numpy: ``_reconstruct``, ``ndarray``, ``dtype`` and the ``numpy.dtypes``
  classes (arrays), ``scalar`` (numpy scalars);
- ``mmengine.logging.history_buffer.HistoryBuffer`` (resume: the message
  hub);
- under the name ``builtins.getattr``: :func:`history_buffer_statistic`,
  **not** Python's ``getattr``. ``HistoryBuffer.__getstate__`` stores its
  statistics functions (``HistoryBuffer.min`` ...), which pickle protocol 2
  (``torch.save``'s default) writes as ``getattr(HistoryBuffer, 'min')``.
  The real ``getattr`` would make every load unsafe: ``getattr(getattr,
  '__self__')`` is the ``builtins`` module, ``getattr(builtins, 'exec')``
  is ``exec``, and torch's default-allowed ``_rebuild_from_type_v2`` calls
  whatever it is given. The replacement resolves exactly
  ``HistoryBuffer.{min, max, mean, current}`` and refuses everything else
  with an ``UnpicklingError`` (tests/test_utils/test_checkpoint.py loads real
  gadget files through ``torch.load``, MMEngine's loader and ``mim test``).

Unreadable files: MMEngine's local checkpoint loader (the ``''`` scheme of
``CheckpointLoader``, MMEngine's own extension point) is wrapped so that a
file torch cannot read (a text file renamed ``.pth``, a truncated archive, a
refused global) raises :class:`CheckpointLoadError` naming the file and the
reason, instead of e.g. ``IndexError: pop from empty list``.
"""
import os.path as osp
import pickle
from typing import List

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

#: The only attributes :func:`history_buffer_statistic` resolves: the
#: statistics MMEngine's ``HistoryBuffer`` registers by default.
HISTORY_BUFFER_STATISTICS = ('min', 'max', 'mean', 'current')


def history_buffer_statistic(obj: object, name: str) -> object:
    """The ``getattr(HistoryBuffer, name)`` of a pickled ``HistoryBuffer``.

    Registered in the ``weights_only`` allow-list under the name
    ``builtins.getattr``, which is how pickle protocol 2 spells a reference
    to ``HistoryBuffer.min``. Only ``obj is HistoryBuffer`` with ``name`` one
    of :data:`HISTORY_BUFFER_STATISTICS` resolves; anything else (a module,
    ``__self__``, ``__globals__``, ``exec`` ...) is refused.

    Raises:
        pickle.UnpicklingError: For every other ``(obj, name)``.
    """
    if obj is HistoryBuffer and isinstance(name, str) and \
            name in HISTORY_BUFFER_STATISTICS:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        'refused getattr in a checkpoint: only HistoryBuffer.'
        f'{{{", ".join(HISTORY_BUFFER_STATISTICS)}}} may be referenced, got '
        f'attribute {name!r} of an object of type {type(obj).__name__}')


def _numpy_safe_globals() -> List[object]:
    """numpy objects needed to rebuild arrays, dtypes and scalars."""
    from numpy.core.multiarray import _reconstruct, scalar
    safe = [_reconstruct, scalar, np.ndarray, np.dtype]
    # numpy >= 1.25 pickles a dtype through its class, e.g. Float64DType
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        safe += [
            getattr(dtypes, name) for name in dir(dtypes)
            if name.endswith('DType')
            and isinstance(getattr(dtypes, name), type)
        ]
    return safe


def checkpoint_safe_globals() -> List[object]:
    """Every entry allow-listed for ``weights_only`` checkpoint loading:
    objects, and one ``(object, name)`` pair (the restricted getattr)."""
    return _numpy_safe_globals() + [
        HistoryBuffer, (history_buffer_statistic, 'builtins.getattr')
    ]


class CheckpointLoadError(RuntimeError):
    """A checkpoint file exists but cannot be loaded (not a checkpoint,
    damaged, or refused by the ``weights_only`` allow-list)."""


def _load_local_checkpoint(filename: str, map_location=None) -> object:
    """MMEngine's local loader, with errors that name the file."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    try:
        return torch.load(filename, map_location=map_location)
    except pickle.UnpicklingError as e:
        raise CheckpointLoadError(
            f'refused to load checkpoint {filename}: it is not a valid '
            'checkpoint or it references objects that are not allowed to '
            f'load (weights_only): {e}') from e
    except Exception as e:  # zip / EOF / pickle-stack errors of torch.load
        raise CheckpointLoadError(
            f'{filename} is not a valid checkpoint (torch.load failed with '
            f'{type(e).__name__}: {e})') from e


def register_checkpoint_safe_globals() -> None:
    """Allow-list :func:`checkpoint_safe_globals` and install the local
    loader with readable errors (idempotent)."""
    if hasattr(torch.serialization, 'add_safe_globals'):
        torch.serialization.add_safe_globals(checkpoint_safe_globals())
    CheckpointLoader.register_scheme(
        prefixes='', loader=_load_local_checkpoint, force=True)


register_checkpoint_safe_globals()
