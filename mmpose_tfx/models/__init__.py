"""Models of mmpose-tfx; importing registers them into ``mmpose.registry.MODELS``."""
from .backbones import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from . import utils  # noqa: F401,E402  (KeypointQueryDecoder, matchers)
