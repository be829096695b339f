"""TFPose's KeypointQueryDecoder: eq. 4 against a hand computation, every
layer's estimate is the refinement of the previous one, reference points are
the current estimates and stay in [0, 1], the detach decision, q2q on / off
as a real dependency between queries, and y_0 is learned."""
import math

import pytest
import torch
from mmcv.ops import MultiScaleDeformableAttention

import mmpose_tfx  # noqa: F401
from mmpose_tfx.models.necks import flatten_levels
from mmpose_tfx.models.utils import (DecoderLayerWithoutQ2Q,
                                     KeypointQueryDecoder, refine_coordinates)

pytestmark = pytest.mark.usefixtures('one_thread')

SHAPES = [(8, 6), (4, 3), (2, 2)]


def _memory(b=2, c=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    maps = [torch.randn(b, c, h, w, generator=g) for h, w in SHAPES]
    return flatten_levels(maps)


def _decoder(**kw):
    torch.manual_seed(0)
    args = dict(num_keypoints=5, embed_dims=32, num_layers=3, num_levels=3,
                num_heads=4, num_points=2, feedforward_channels=64,
                dropout=0.)
    args.update(kw)
    dec = KeypointQueryDecoder(**args)
    dec.init_weights()
    return dec.eval()


def _randomise_refinement(dec, seed=1):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for branch in dec.refine_branches:
            branch.layers[-1].weight.normal_(0, 0.3, generator=g)
            branch.layers[-1].bias.normal_(0, 0.3, generator=g)


def test_eq4_hand_computation():
    prev = torch.tensor([0.5, 0.2, 0.9, 0.75])
    delta = torch.tensor([math.log(3.), 0., -1., -math.log(3.)])
    out = refine_coordinates(prev, delta)
    # sigma(logit(p) + d) by hand: 0.5 -> odds 1 * 3 = 3 -> 0.75;
    # 0.2 unchanged; 0.9 -> odds 9 / e; 0.75 -> odds 3 / 3 = 1 -> 0.5
    odds = 9. / math.e
    expected = torch.tensor([0.75, 0.2, odds / (1 + odds), 0.5])
    torch.testing.assert_close(out, expected)
    # extremes stay inside (0, 1) and finite (inverse_sigmoid clamps)
    out = refine_coordinates(torch.tensor([0., 1.]), torch.tensor([5., -5.]))
    assert torch.isfinite(out).all() and ((out > 0) & (out < 1)).all()


def test_shapes_and_zero_initialised_refinement_keeps_y0():
    dec = _decoder()
    memory, shapes, start = _memory()
    out = dec(memory, shapes, start)
    assert out.shape == (3, 2, 5, 2)
    y0 = dec.initial_estimate()
    assert ((y0 >= 0.05) & (y0 <= 0.95)).all()
    # the last layer of every refinement MLP starts at zero: y_d = y_0
    torch.testing.assert_close(out, y0.expand_as(out))


def _capture_references(dec):
    refs = []

    def hook(module, args, kwargs):
        refs.append(kwargs['reference_points'].detach().clone())

    handles = [
        m.register_forward_pre_hook(hook, with_kwargs=True)
        for m in dec.modules() if isinstance(m, MultiScaleDeformableAttention)
    ]
    return refs, handles


def _capture_deltas(dec):
    deltas = []
    handles = [
        b.register_forward_hook(
            lambda m, a, out: deltas.append(out.detach().clone()))
        for b in dec.refine_branches
    ]
    return deltas, handles


def test_every_layer_refines_the_previous_estimate_eq4():
    dec = _decoder()
    _randomise_refinement(dec)
    memory, shapes, start = _memory()
    refs, h1 = _capture_references(dec)
    deltas, h2 = _capture_deltas(dec)
    with torch.no_grad():
        out = dec(memory, shapes, start)
    for h in h1 + h2:
        h.remove()
    assert len(refs) == 3 and len(deltas) == 3
    prev = dec.initial_estimate().detach().expand(2, 5, 2)
    for d in range(3):
        # reference points of layer d = the estimate y_{d-1}, every level
        assert refs[d].shape == (2, 5, 3, 2)
        for lvl in range(3):
            torch.testing.assert_close(refs[d][:, :, lvl], prev)
        assert ((refs[d] >= 0) & (refs[d] <= 1)).all()
        # y_d = sigmoid(logit(y_{d-1}) + delta_d), by hand
        p = prev.clamp(1e-5, 1 - 1e-5)
        expected = torch.sigmoid(torch.log(p / (1 - p)) + deltas[d])
        torch.testing.assert_close(out[d], expected)
        prev = out[d]
    assert not torch.allclose(out[0], out[2])


def test_reference_points_stay_in_unit_square_with_extreme_refinements():
    dec = _decoder()
    with torch.no_grad():
        for branch in dec.refine_branches:
            branch.layers[-1].bias.fill_(50.)  # pushes towards 1
    memory, shapes, start = _memory()
    refs, handles = _capture_references(dec)
    with torch.no_grad():
        out = dec(memory, shapes, start)
    for h in handles:
        h.remove()
    assert torch.isfinite(out).all()
    for r in refs:
        assert ((r >= 0) & (r <= 1)).all()


@pytest.mark.parametrize('detach', [True, False])
def test_detach_decision(detach):
    """With detach, the last layer's loss does not reach the first layer's
    refinement MLP (Deformable DETR); without, it does. y_0 always learns."""
    dec = _decoder(detach_reference=detach)
    _randomise_refinement(dec)
    memory, shapes, start = _memory()
    out = dec(memory, shapes, start)
    out[-1].sum().backward()
    g_first = dec.refine_branches[0].layers[-1].weight.grad
    if detach:
        assert g_first is None or g_first.abs().sum() == 0
    else:
        assert g_first.abs().sum() > 0
    dec.zero_grad()
    out = dec(memory, shapes, start)
    out[0].sum().backward()
    assert dec.init_logits.grad.abs().sum() > 0


@pytest.mark.parametrize('q2q', [True, False])
def test_q2q_is_the_only_path_between_queries(q2q):
    """Changing keypoint 0's query changes the other keypoints' estimates
    exactly when q2q self-attention is on (Table 1's switch)."""
    dec = _decoder(q2q=q2q)
    _randomise_refinement(dec)
    layer_types = {type(layer) for layer in dec.layers}
    if q2q:
        assert all(hasattr(layer, 'self_attn') for layer in dec.layers)
        assert all(len(layer.norms) == 3 for layer in dec.layers)
    else:
        assert layer_types == {DecoderLayerWithoutQ2Q}
        assert not any(hasattr(layer, 'self_attn') for layer in dec.layers)
        assert all(len(layer.norms) == 2 for layer in dec.layers)
    memory, shapes, start = _memory()
    with torch.no_grad():
        a = dec(memory, shapes, start)
        # a random change (a constant one is removed by the LayerNorms)
        dec.query.weight[0] += torch.randn(
            32, generator=torch.Generator().manual_seed(5))
        b = dec(memory, shapes, start)
    assert not torch.allclose(a[:, :, 0], b[:, :, 0])
    others_changed = not torch.allclose(a[:, :, 1:], b[:, :, 1:])
    assert others_changed == q2q


def test_errors_name_the_problem():
    dec = _decoder()
    memory, shapes, start = _memory(c=16)
    with pytest.raises(ValueError, match='C=32'):
        dec(memory, shapes, start)
    with pytest.raises(ValueError, match='num_layers'):
        KeypointQueryDecoder(num_keypoints=17, num_layers=0)
