"""mmpose-tfx: transformer pose estimation papers as MMPose 1.x modules.

Importing this package registers every module of the project into MMPose's
registries (configs do it with
``custom_imports = dict(imports=['mmpose_tfx'], allow_failed_imports=False)``)
and allows MMPose / MMEngine checkpoints to load under torch's
``weights_only`` unpickler (see :mod:`mmpose_tfx.utils.checkpoint`).
"""
from .version import __version__  # noqa: F401
from .utils import checkpoint as _checkpoint  # noqa: F401  (safe globals)
from . import codecs  # noqa: F401,E402
from . import models  # noqa: F401,E402
from . import datasets  # noqa: F401,E402  (transforms)
from . import evaluation  # noqa: F401,E402  (metrics)
from . import engine  # noqa: F401,E402  (hooks)
