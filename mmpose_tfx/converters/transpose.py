"""TransPose official checkpoints (github yangsenius/TransPose) -> this
project's TransPose models.

The released ``.pth`` files are plain state dicts of ``TransPoseR`` /
``TransPoseH`` (the reference's ``hubconf.py`` loads them with
``strict=True``). Mapping (names in the reference -> this project):

- backbone: ResNet-S ``conv1, bn1, layer1, layer2`` and HRNet-S ``conv1,
  bn1, conv2, bn2, layer1, transition1, stage2, transition2, stage3`` ->
  ``backbone.*`` unchanged (MMPose's ResNet / HRNet use the same names; the
  last stage-3 module of HRNet-S keeps only ``fuse_layers.0`` in both);
- ``reduce`` (bias-free 1x1 conv to d) -> ``neck.input_proj``;
- ``pos_embedding`` ``(L, 1, d)`` (frozen sine) -> ``neck.pos_embed``
  ``(1, L, d)``;
- ``global_encoder.layers.i.*`` -> ``neck.layers.i.*`` (same sub-names:
  ``self_attn.in_proj_*``, ``self_attn.out_proj.*``, ``linear1/2``,
  ``norm1/2``);
- TP-R ``deconv_layers.0`` (4x4 deconvolution) / ``.1`` (BN) ->
  ``head.deconv_layers.0`` / ``.1``; ``final_layer`` -> ``head.final_layer``.
"""
from torch import Tensor

from .common import KeyRule, convert_checkpoint


def _seq_first_to_batch_first(t: Tensor) -> Tensor:
    """Reference position embedding ``(L, 1, d)`` -> ``(1, L, d)``."""
    if t.dim() != 3 or t.shape[1] != 1:
        raise ValueError('expected a (L, 1, d) position embedding, got shape '
                         f'{tuple(t.shape)}')
    return t.permute(1, 0, 2).contiguous()


_BACKBONE = ('conv1', 'bn1', 'conv2', 'bn2', 'layer1', 'layer2',
             'transition1', 'stage2', 'transition2', 'stage3')
_ENCODER_PARAMS = (r'self_attn\.in_proj_(?:weight|bias)|'
                   r'self_attn\.out_proj\.(?:weight|bias)|'
                   r'(?:linear[12]|norm[12])\.(?:weight|bias)')

TRANSPOSE_RULES = (
    KeyRule(rf'((?:{"|".join(_BACKBONE)})\..+)', r'backbone.\1'),
    KeyRule(r'reduce\.weight', 'neck.input_proj.weight'),
    KeyRule(r'pos_embedding', 'neck.pos_embed', _seq_first_to_batch_first),
    KeyRule(rf'global_encoder\.layers\.(\d+)\.({_ENCODER_PARAMS})',
            r'neck.layers.\1.\2'),
    KeyRule(r'deconv_layers\.([01]\..+)', r'head.deconv_layers.\1'),
    KeyRule(r'final_layer\.(weight|bias)', r'head.final_layer.\1'),
)


def convert_transpose(src: str, dst: str, config: str) -> dict:
    """Convert an official TransPose checkpoint for ``config``'s model
    (see :func:`~mmpose_tfx.converters.convert_checkpoint`)."""
    return convert_checkpoint(src, dst, config, TRANSPOSE_RULES)
