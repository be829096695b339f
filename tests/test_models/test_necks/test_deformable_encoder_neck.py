"""TFPose's DeformableEncoderNeck: level flattening round trip, N_E = 0 is
the projection alone, the pixel embedding is Deformable DETR's sine formula,
every level's tokens are attended and trained, level selection and errors."""
import math

import pytest
import torch

from mmcv.ops import MultiScaleDeformableAttention

import mmpose_tfx  # noqa: F401
from mmpose_tfx.models.necks import (DeformableEncoderNeck, flatten_levels,
                                     split_levels)

pytestmark = pytest.mark.usefixtures('one_thread')


def _feats(b=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(b, 8, 16, 12, generator=g),
            torch.randn(b, 16, 8, 6, generator=g),
            torch.randn(b, 24, 4, 3, generator=g),
            torch.randn(b, 32, 2, 2, generator=g))


def _neck(**kw):
    torch.manual_seed(0)
    args = dict(in_channels=(16, 24, 32), in_indices=(1, 2, 3),
                embed_dims=32, num_layers=2, num_heads=4, num_points=2,
                feedforward_channels=64, dropout=0.,
                proj_norm_cfg=dict(type='GN', num_groups=8))
    args.update(kw)
    neck = DeformableEncoderNeck(**args)
    neck.init_weights()
    return neck.eval()


def test_flatten_split_round_trip():
    maps = [m[:, :8] for m in _feats()[1:]]  # same channels
    tokens, shapes, start = flatten_levels(maps)
    assert tokens.shape == (2, 48 + 12 + 4, 8)
    assert shapes.tolist() == [[8, 6], [4, 3], [2, 2]]
    assert start.tolist() == [0, 48, 60]
    # row-major within a level: token y * W + x is pixel (y, x)
    assert torch.equal(tokens[:, 48 + 1 * 3 + 2], maps[1][:, :, 1, 2])
    back = split_levels(tokens, [(8, 6), (4, 3), (2, 2)])
    for a, b in zip(back, maps):
        assert torch.equal(a, b)


def test_no_encoder_is_the_projection():
    neck = _neck(num_layers=0)
    assert neck.encoder is None and neck.level_embed is None
    feats = _feats()
    with torch.no_grad():
        out = neck(feats)
        expected = [p(feats[i]) for p, i in zip(neck.input_proj, (1, 2, 3))]
    assert len(out) == 3
    for a, b in zip(out, expected):
        assert torch.equal(a, b)


def _trained_like(neck):
    """mmcv initialises the offset and attention-weight projections with
    zero weights (the query does not steer the sampling yet); give them
    random weights as after training."""
    g = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for m in neck.modules():
            if isinstance(m, MultiScaleDeformableAttention):
                m.sampling_offsets.weight.normal_(0, 0.05, generator=g)
                m.attention_weights.weight.normal_(0, 0.05, generator=g)
    return neck


def test_outputs_levels_and_trains_every_part():
    neck = _trained_like(_neck()).train()
    feats = _feats()
    out = neck(feats)
    assert [tuple(o.shape) for o in out] == [(2, 32, 8, 6), (2, 32, 4, 3),
                                             (2, 32, 2, 2)]
    sum((o**2).mean() for o in out).backward()
    for name, p in neck.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    # the encoder mixes levels: changing only C5 changes the C3 memory
    neck.eval()
    with torch.no_grad():
        a = neck(feats)
        changed = list(feats)
        changed[3] = changed[3] + 1.
        b = neck(changed)
    assert not torch.allclose(a[0], b[0])


def test_pixel_embedding_is_deformable_detr_sine():
    neck = _neck()
    emb = neck.pixel_embedding(3, 4, torch.device('cpu'), torch.float32)
    assert emb.shape == (12, 32)
    # token (y, x) = (2, 1): y_embed = (3 - 0.5) / 3 * 2 pi, x: (2 - 0.5) / 4
    eps = 1e-6
    y = (3 - 0.5) / (3 + eps) * 2 * math.pi
    x = (2 - 0.5) / (4 + eps) * 2 * math.pi
    tok = emb[2 * 4 + 1]
    for i in range(8):  # 16 y-channels = 8 (sin, cos) pairs
        freq = 10000**(2 * i / 16)
        assert tok[2 * i].item() == pytest.approx(math.sin(y / freq),
                                                  abs=1e-5)
        assert tok[2 * i + 1].item() == pytest.approx(math.cos(y / freq),
                                                      abs=1e-5)
        assert tok[16 + 2 * i].item() == pytest.approx(math.sin(x / freq),
                                                       abs=1e-5)


def test_errors_name_the_problem():
    neck = _neck()
    with pytest.raises(ValueError, match='in_indices'):
        neck(_feats()[:2])
    bad = list(_feats())
    bad[2] = bad[2][:, :5]
    with pytest.raises(ValueError, match=r'C = \[16, 24, 32\]'):
        neck(bad)
    with pytest.raises(ValueError, match='num_layers'):
        DeformableEncoderNeck(in_channels=(8, ), num_layers=-1)
