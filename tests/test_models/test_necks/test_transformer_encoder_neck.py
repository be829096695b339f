import math

import pytest
import torch

from mmpose_tfx.models.necks import (TransformerEncoderNeck,
                                     sine_position_embedding)


def _neck(**kwargs):
    cfg = dict(
        in_channels=32,
        embed_dims=16,
        num_layers=2,
        num_heads=4,
        feedforward_channels=24,
        feat_size=(6, 5),
        dropout=0.0)
    cfg.update(kwargs)
    neck = TransformerEncoderNeck(**cfg)
    neck.init_weights()
    return neck.eval()


def _reference_sine(h, w, d, temperature=10000., eps=1e-6):
    """Element-by-element TransPose / DETR formula (slow reference)."""
    half = d // 2
    ref = torch.zeros(h * w, d, dtype=torch.float64)
    for y in range(h):
        for x in range(w):
            ys = (y + 1) / (h + eps) * 2 * math.pi
            xs = (x + 1) / (w + eps) * 2 * math.pi
            for i in range(half):
                t = temperature**(2 * (i // 2) / half)
                f = math.sin if i % 2 == 0 else math.cos
                ref[y * w + x, i] = f(ys / t)
                ref[y * w + x, half + i] = f(xs / t)
    return ref


@pytest.mark.parametrize('pos_embed', ['sine', 'learnable', 'none'])
@pytest.mark.parametrize('norm_first', [False, True])
def test_shapes(pos_embed, norm_first):
    neck = _neck(pos_embed=pos_embed, norm_first=norm_first)
    feats = (torch.randn(2, 8, 12, 10), torch.randn(2, 32, 6, 5))
    out = neck(feats)
    assert isinstance(out, tuple) and len(out) == 1
    assert out[0].shape == (2, 16, 6, 5)
    # another spatial size (position embedding recomputed / resized)
    out = neck(torch.randn(1, 32, 4, 7))
    assert out[0].shape == (1, 16, 4, 7)
    assert torch.isfinite(out[0]).all()


def test_sine_embedding_matches_formula():
    emb = sine_position_embedding(5, 4, 16)
    assert emb.shape == (20, 16)
    torch.testing.assert_close(
        emb.double(), _reference_sine(5, 4, 16), atol=1e-5, rtol=0)
    neck = _neck(pos_embed='sine')
    assert not neck.pos_embed.requires_grad
    torch.testing.assert_close(neck.pos_embed[0].double(),
                               _reference_sine(6, 5, 16), atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match='divisible by 4'):
        sine_position_embedding(4, 4, 18)


def test_attention_rows_sum_to_one_and_fused_matches_explicit():
    torch.manual_seed(0)
    neck = _neck()
    x = torch.randn(2, 32, 6, 5)
    (fused, ) = neck(x)
    (explicit, ), attn = neck.forward_with_attention(x)
    torch.testing.assert_close(fused, explicit, atol=1e-5, rtol=1e-5)
    assert len(attn) == 2
    for a in attn:
        assert a.shape == (2, 30, 30)
        assert (a >= 0).all()
        torch.testing.assert_close(a.sum(-1), torch.ones(2, 30))


def test_attention_matches_hand_written_softmax():
    """Layer-1 attention equals mean_h softmax(QK^T / sqrt(d_h)) computed by
    hand from the layer's projection weights, with pos added to Q and K."""
    torch.manual_seed(1)
    neck = _neck(num_layers=1)
    x = torch.randn(1, 32, 6, 5)
    _, (attn, ) = neck.forward_with_attention(x)
    tokens = neck.input_proj(x).flatten(2).transpose(1, 2)[0]  # (L, d)
    qk_in = tokens + neck.pos_embed[0]
    mha = neck.layers[0].self_attn
    wq, wk, _ = mha.in_proj_weight.chunk(3)
    bq, bk, _ = mha.in_proj_bias.chunk(3)
    q = (qk_in @ wq.T + bq).view(30, 4, 4).transpose(0, 1)
    k = (qk_in @ wk.T + bk).view(30, 4, 4).transpose(0, 1)
    ref = torch.softmax(q @ k.transpose(1, 2) / 2.0, dim=-1).mean(0)
    torch.testing.assert_close(attn[0], ref, atol=1e-5, rtol=1e-5)


def test_position_embedding_changes_output():
    torch.manual_seed(2)
    with_pos = _neck(pos_embed='sine')
    without = _neck(pos_embed='none')
    without.load_state_dict(
        {k: v for k, v in with_pos.state_dict().items() if k != 'pos_embed'})
    x = torch.randn(1, 32, 6, 5)
    assert not torch.allclose(with_pos(x)[0], without(x)[0], atol=1e-4)


def test_state_dict_round_trip(tmp_path):
    torch.manual_seed(3)
    neck = _neck(pos_embed='learnable')
    path = tmp_path / 'neck.pth'
    torch.save(neck.state_dict(), path)
    other = _neck(pos_embed='learnable')
    x = torch.randn(2, 32, 6, 5)
    assert not torch.allclose(neck(x)[0], other(x)[0])
    other.load_state_dict(torch.load(path, weights_only=True))
    torch.testing.assert_close(neck(x)[0], other(x)[0], atol=0, rtol=0)


def test_parameter_count_formula():
    # per layer: attention 4d^2+4d, FFN 2dh+h+d, two LayerNorms 4d
    d, h, n = 16, 24, 2
    neck = _neck()
    per_layer = 4 * d * d + 4 * d + 2 * d * h + h + d + 4 * d
    expected = 32 * d + n * per_layer + 6 * 5 * d  # proj (no bias) + pos
    assert sum(p.numel() for p in neck.parameters()) == expected


def test_bad_input_errors():
    neck = _neck()
    with pytest.raises(ValueError, match='in_channels=32'):
        neck(torch.randn(1, 31, 6, 5))
    with pytest.raises(ValueError, match='feature map'):
        neck(torch.randn(1, 32, 30))
    with pytest.raises(ValueError, match='pos_embed'):
        _neck(pos_embed='rope')
    with pytest.raises(ValueError, match='divisible'):
        _neck(num_heads=3)


@pytest.mark.parametrize('bias', [False, True])
def test_input_proj_init_std(bias):
    """input_proj_init_std=0.001 draws the 1x1 projection from N(0, 0.001)
    (the TP-H reference), bias 0; None keeps PyTorch's default,
    kaiming-uniform with bound 1 / sqrt(fan_in) = 1 / sqrt(C)."""
    torch.manual_seed(4)
    cin = 512
    normal = _neck(in_channels=cin, embed_dims=256, num_heads=8,
                   input_proj_bias=bias, input_proj_init_std=0.001)
    w = normal.input_proj.weight
    assert w.std().item() == pytest.approx(0.001, rel=0.05)
    assert w.mean().abs().item() < 1e-4
    if bias:
        assert (normal.input_proj.bias == 0).all()
    default = _neck(in_channels=cin, embed_dims=256, num_heads=8,
                    input_proj_bias=bias)
    assert default.input_proj_init_std is None
    w = default.input_proj.weight
    bound = 1 / math.sqrt(cin)
    assert w.abs().max().item() <= bound
    assert w.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.05)
    with pytest.raises(ValueError, match='input_proj_init_std'):
        _neck(input_proj_init_std=0.)
