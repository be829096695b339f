"""Let MMPose / MMEngine checkpoints load under torch's ``weights_only`` default.

Since torch 2.6, ``torch.load`` unpickles with ``weights_only=True``. MMEngine
0.10.7 does not pass ``weights_only`` (checkpoint loading in ``mim test``,
``--resume``, ``mmpose.apis.init_model`` and ``MMPoseInferencer`` all go
through ``mmengine.runner.checkpoint``), and MMPose checkpoints carry numpy
arrays and scalars (``meta['dataset_meta']``: sigmas, flip indices, colours)
and, for resuming, MMEngine's ``HistoryBuffer`` objects in the message hub.
The stock result is ``Weights only load failed ...
numpy.core.multiarray._reconstruct``.

Rather than switching the safe unpickler off, this module allow-lists exactly
the globals those checkpoints reference (``torch.serialization
.add_safe_globals``); anything else still fails to load. It runs on
``import mmpose_tfx``, which every project config does via
``custom_imports``.

The globals:

- numpy: ``_reconstruct``, ``ndarray``, ``dtype`` and the ``numpy.dtypes``
  classes (arrays), ``scalar`` (numpy scalars);
- ``mmengine.logging.history_buffer.HistoryBuffer`` (resume: the message hub);
- ``getattr``: ``HistoryBuffer.__getstate__`` stores its statistics functions
  (``HistoryBuffer.min`` ...), which pickle protocol 2 (``torch.save``'s
  default) writes as ``getattr(HistoryBuffer, 'min')``. ``getattr`` only
  *reads* an attribute of an object the safe unpickler already built from
  allow-listed globals; calling what it returns still requires that callable
  itself to be allow-listed, so e.g. ``getattr(numpy.ndarray, 'tofile')(...)``
  is still refused (tests/test_utils/test_checkpoint.py checks this).
"""
from typing import List

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer


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
    """Every global allow-listed for ``weights_only`` checkpoint loading."""
    return _numpy_safe_globals() + [HistoryBuffer, getattr]


def register_checkpoint_safe_globals() -> None:
    """Allow-list :func:`checkpoint_safe_globals` (idempotent)."""
    if hasattr(torch.serialization, 'add_safe_globals'):
        torch.serialization.add_safe_globals(checkpoint_safe_globals())


register_checkpoint_safe_globals()
