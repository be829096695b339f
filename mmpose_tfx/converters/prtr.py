"""PRTR two-stage official checkpoints (github mlpc-ucsd/PRTR, two_stage/)
-> this project's PRTR models (``HungarianKeypointHead`` on MMPose's ResNet
or the project's ``HRNetStride32``).

The reference's ``PoseTransformer`` state dict (its ``test.py`` loads it
with ``strict=True`` after renaming ``backbone.body`` to
``backbone.0.body``; both spellings are accepted here). Mapping:

- ``backbone.0.body.*`` (torchvision ResNet-50/101 up to ``layer4`` with
  DETR's ``FrozenBatchNorm2d``, or the ImageNet HRNet-W32 without pooling /
  classifier) -> ``backbone.*`` unchanged (MMPose's ResNet and
  ``HRNetStride32`` use the same names); frozen batch norm has no
  ``num_batches_tracked``, which is filled with 0;
- ``input_proj`` -> ``head.input_proj``; ``query_embed`` ->
  ``head.query_embed``; ``class_embed`` -> ``head.cls_head``;
  ``kpt_embed.layers.i`` -> ``head.coord_head.layers.i``;
- ``transformer.encoder.layers.i.*`` ->
  ``head.transformer.encoder_layers.i.*``;
  ``transformer.decoder.layers.i.multihead_attn.*`` -> ``...decoder_layers.i.
  cross_attn.*``, the other decoder sub-names unchanged;
  ``transformer.decoder.norm`` -> ``head.transformer.decoder_norm``
  (``transformer.encoder.norm``, pre-norm models only, ->
  ``encoder_norm``).

The sine position embedding has no parameters in either code.

Input colour: the reference's ResNet configs read images as BGR
(``COLOR_RGB: false``) while this project feeds RGB (docs/prtr.md, decision
22); test the converted ResNet checkpoints with
``--cfg-options model.data_preprocessor.bgr_to_rgb=False``. Its HRNet
configs read RGB, as this project.
"""
from .common import KeyRule, convert_checkpoint

_LAYER = (r'self_attn\.(?:in_proj_(?:weight|bias)|out_proj\.(?:weight|bias))'
          r'|(?:linear[12]|norm[123])\.(?:weight|bias)')

PRTR_RULES = (
    KeyRule(r'backbone\.(?:0\.)?body\.(.+)', r'backbone.\1'),
    KeyRule(r'input_proj\.(weight|bias)', r'head.input_proj.\1'),
    KeyRule(r'query_embed\.weight', 'head.query_embed.weight'),
    KeyRule(r'class_embed\.(weight|bias)', r'head.cls_head.\1'),
    KeyRule(r'kpt_embed\.layers\.(\d+)\.(weight|bias)',
            r'head.coord_head.layers.\1.\2'),
    KeyRule(rf'transformer\.encoder\.layers\.(\d+)\.({_LAYER})',
            r'head.transformer.encoder_layers.\1.\2'),
    KeyRule(r'transformer\.encoder\.norm\.(weight|bias)',
            r'head.transformer.encoder_norm.\1'),
    KeyRule(
        r'transformer\.decoder\.layers\.(\d+)\.multihead_attn\.'
        r'(in_proj_(?:weight|bias)|out_proj\.(?:weight|bias))',
        r'head.transformer.decoder_layers.\1.cross_attn.\2'),
    KeyRule(rf'transformer\.decoder\.layers\.(\d+)\.({_LAYER})',
            r'head.transformer.decoder_layers.\1.\2'),
    KeyRule(r'transformer\.decoder\.norm\.(weight|bias)',
            r'head.transformer.decoder_norm.\1'),
)

BGR_NOTE = ('the official PRTR ResNet checkpoints were trained on BGR input '
            '(the reference\'s COLOR_RGB: false); test them with '
            '--cfg-options model.data_preprocessor.bgr_to_rgb=False '
            '(docs/prtr.md, decision 22)')


def convert_prtr(src: str, dst: str, config: str) -> dict:
    """Convert an official PRTR two-stage checkpoint for ``config``'s model
    (see :func:`~mmpose_tfx.converters.convert_checkpoint`). For ResNet
    backbones the result's ``note`` is :data:`BGR_NOTE`."""
    from mmengine.config import Config
    info = convert_checkpoint(src, dst, config, PRTR_RULES)
    if Config.fromfile(config).model.backbone.type == 'ResNet':
        info['note'] = BGR_NOTE
    return info
