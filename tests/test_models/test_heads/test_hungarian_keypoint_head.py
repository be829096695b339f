"""PRTR's matcher, set loss and HungarianKeypointHead.

Matcher and read-out against brute-force enumeration of all injective maps,
clear errors on NaN / inf costs, loss values against hand computation
(background weight, visibility weighting, all-invisible batch), a tiny head
that learns, and an exactly mirror-symmetric flip test."""
import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import InstanceData
from mmpose.structures import PoseDataSample

import mmpose_tfx  # noqa: F401
from mmpose_tfx.models.heads import HungarianKeypointHead
from mmpose_tfx.models.losses import HungarianKeypointLoss
from mmpose_tfx.models.utils import (KeypointHungarianMatcher,
                                     readout_assignment, solve_assignment)


pytestmark = pytest.mark.usefixtures('one_thread')


def brute_force(cost: np.ndarray):
    """Minimum total cost over every injective map rows -> columns."""
    j, q = cost.shape
    best = min(
        itertools.permutations(range(q), j),
        key=lambda cols: cost[np.arange(j), list(cols)].sum())
    return np.array(best), cost[np.arange(j), list(best)].sum()


# ---------------------------------------------------------------- matcher
@pytest.mark.parametrize('j,q', [(1, 1), (2, 2), (3, 5), (4, 6), (5, 5)])
def test_solve_assignment_equals_brute_force(j, q):
    rng = np.random.default_rng(j * 10 + q)
    for _ in range(5):
        cost = rng.normal(size=(j, q))
        idx = solve_assignment(torch.from_numpy(cost)).numpy()
        assert len(set(idx.tolist())) == j
        _, best = brute_force(cost)
        assert cost[np.arange(j), idx].sum() == pytest.approx(best)


def test_solve_assignment_batched_shapes_and_errors():
    cost = torch.randn(2, 3, 4, 6)
    idx = solve_assignment(cost)
    assert idx.shape == (2, 3, 4) and idx.dtype == torch.int64
    for a in range(2):
        for b in range(3):
            assert len(set(idx[a, b].tolist())) == 4
    with pytest.raises(ValueError, match='J <= Q'):
        solve_assignment(torch.zeros(5, 3))
    bad = torch.zeros(3, 4)
    bad[1, 2] = float('nan')
    with pytest.raises(ValueError, match='NaN/inf'):
        solve_assignment(bad)
    bad[1, 2] = float('inf')
    with pytest.raises(ValueError, match='NaN/inf'):
        solve_assignment(bad)


def _matcher_inputs(seed, b=2, q=6, j=4):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(b, q, j + 1, generator=g)
    coords = torch.rand(b, q, 2, generator=g)
    gt = torch.rand(b, j, 2, generator=g)
    w = (torch.rand(b, j, generator=g) > 0.3).float()
    return logits, coords, gt, w


@pytest.mark.parametrize('unlabelled', [True, False])
def test_matcher_cost_is_eq2_with_weights_1_and_5(unlabelled):
    """-p + 5 x L1; the L1 of a weight-0 joint is kept (reference, the
    default) or dropped."""
    logits, coords, gt, w = _matcher_inputs(0)
    assert (w == 0).any() and (w > 0).any()
    matcher = KeypointHungarianMatcher(coord_cost_unlabelled=unlabelled)
    assert KeypointHungarianMatcher().coord_cost_unlabelled  # default
    cost = matcher.cost(logits, coords, gt, w)
    prob = logits.softmax(-1)  # over all J + 1 classes
    b, q, c = logits.shape
    for bi in range(b):
        for ji in range(c - 1):
            for qi in range(q):
                l1 = (gt[bi, ji] - coords[bi, qi]).abs().sum()
                if w[bi, ji] > 0:
                    l1 = w[bi, ji] * l1
                elif not unlabelled:
                    l1 = 0 * l1
                ref = -prob[bi, qi, ji] + 5 * l1
                assert cost[bi, ji, qi] == pytest.approx(float(ref), abs=1e-6)


@pytest.mark.parametrize('unlabelled,expected', [(True, [1, 0]),
                                                 (False, [0, 1])])
def test_matcher_unlabelled_joint_at_origin(unlabelled, expected):
    """Hand computation. Equal class probabilities; query 0 at (0.05, 0.05),
    query 1 at (0.9, 0.9); joint 0 labelled at (0.1, 0.1), joint 1
    unlabelled with the codec's label (0, 0).

    Reference (L1 for every joint): 0 -> q0, 1 -> q1 costs
    5 x (0.1 + 1.8) = 9.5, 0 -> q1, 1 -> q0 costs 5 x (1.6 + 0.1) = 8.5, so
    the unlabelled joint takes the query near the origin. Without its L1
    term joint 1 is indifferent and joint 0 takes its nearest query (0.5
    against 8.0)."""
    logits = torch.zeros(1, 2, 3)
    coords = torch.tensor([[[0.05, 0.05], [0.9, 0.9]]])
    gt = torch.tensor([[[0.1, 0.1], [0., 0.]]])
    w = torch.tensor([[1., 0.]])
    matcher = KeypointHungarianMatcher(coord_cost_unlabelled=unlabelled)
    cost = matcher.cost(logits, coords, gt, w)[0] + 1 / 3  # drop -p
    if unlabelled:
        ref = [[0.5, 8.0], [0.5, 9.0]]
    else:
        ref = [[0.5, 8.0], [0., 0.]]
    torch.testing.assert_close(cost, torch.tensor(ref), atol=1e-6, rtol=0)
    assert matcher(logits, coords, gt, w)[0].tolist() == expected


def test_matcher_equals_brute_force_and_has_no_grad():
    matcher = KeypointHungarianMatcher(cost_class=1.0, cost_coord=5.0)
    for seed in range(4):
        logits, coords, gt, w = _matcher_inputs(seed, b=3, q=5, j=3)
        logits.requires_grad_(True)
        coords.requires_grad_(True)
        idx = matcher(logits, coords, gt, w)
        assert not idx.requires_grad and idx.shape == (3, 3)
        cost = matcher.cost(logits, coords, gt, w).detach().numpy()
        for bi in range(3):
            _, best = brute_force(cost[bi])
            got = cost[bi, np.arange(3), idx[bi].numpy()].sum()
            assert got == pytest.approx(best, abs=1e-6)
        assert logits.grad is None


def test_matcher_ignores_unlabelled_nan_but_rejects_nan_predictions():
    logits, coords, gt, w = _matcher_inputs(1)
    w[0, 1] = 0
    gt[0, 1] = float('nan')  # unlabelled joint with a garbage label
    idx = KeypointHungarianMatcher()(logits, coords, gt, w)
    assert idx.shape == (2, 4)
    # reference: its label counts as (0, 0); otherwise no L1 term at all
    prob = logits.softmax(-1)[0, :, 1]
    for unlabelled, l1 in ((True, coords[0].abs().sum(-1)),
                           (False, torch.zeros(6))):
        cost = KeypointHungarianMatcher(coord_cost_unlabelled=unlabelled).cost(
            logits, coords, gt, w)
        torch.testing.assert_close(cost[0, 1], -prob + 5 * l1)
    bad = coords.clone()
    bad[1, 2, 0] = float('nan')
    with pytest.raises(ValueError, match='NaN/inf'):
        KeypointHungarianMatcher()(logits, bad, gt, w)
    gt2 = gt.clone()
    w2 = w.clone()
    w2[1, 0] = 1
    gt2[1, 0, 1] = float('inf')  # labelled joint with a broken label
    with pytest.raises(ValueError, match='NaN/inf'):
        KeypointHungarianMatcher()(logits, coords, gt2, w2)
    with pytest.raises(ValueError, match='>= 0'):
        KeypointHungarianMatcher(cost_class=-1)


# ---------------------------------------------------------------- read-out
def test_readout_never_assigns_a_query_twice():
    torch.manual_seed(0)
    cases = [
        torch.randn(8, 20, 18),
        torch.zeros(2, 20, 18),  # all ties
        torch.randn(2, 17, 18),  # Q == J
    ]
    one_query_wins_all = torch.full((2, 20, 18), -5.)
    one_query_wins_all[:, 3, :17] = 5.  # query 3 is the best for every type
    cases.append(one_query_wins_all)
    for logits in cases:
        idx, scores = readout_assignment(logits)
        for row in idx:
            assert len(set(row.tolist())) == row.numel() == 17
        prob = logits[..., :-1].softmax(-1)
        ref = torch.stack([prob[b, idx[b], torch.arange(17)]
                           for b in range(len(idx))])
        torch.testing.assert_close(scores, ref)
    assert (readout_assignment(one_query_wins_all)[0] == 3).sum() == 2


def test_readout_drops_background_before_softmax_and_is_optimal():
    rng = np.random.default_rng(3)
    logits = torch.from_numpy(rng.normal(size=(3, 6, 5)) * 3).float()
    idx, scores = readout_assignment(logits)
    prob = logits[..., :-1].softmax(-1)
    for b in range(3):
        _, best = brute_force(-prob[b].T.numpy())
        assert -scores[b].sum() == pytest.approx(best, abs=1e-5)
    # a large background logit does not change the default read-out
    shifted = logits.clone()
    shifted[..., -1] += 20
    torch.testing.assert_close(readout_assignment(shifted)[0], idx)
    # the ablation (softmax over J + 1, then background dropped) is optimal
    # for its own probabilities, and can pick other queries: query 0 is the
    # best nose under the default read-out but mostly background
    _, scores_bg = readout_assignment(logits, with_background=True)
    full = logits.softmax(-1)[..., :-1]
    for b in range(3):
        _, best = brute_force(-full[b].T.numpy())
        assert -scores_bg[b].sum() == pytest.approx(best, abs=1e-5)
    two = torch.tensor([[[3., 0., 10.], [1., 0., -10.]]])
    assert readout_assignment(two)[0].tolist() == [[0, 1]]
    assert readout_assignment(two, with_background=True)[0].tolist() == \
        [[1, 0]]


# ---------------------------------------------------------------- loss
def _loss_inputs(seed=0, b=2, q=7, j=4):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(b, q, j + 1, generator=g, requires_grad=True)
    coords = torch.rand(b, q, 2, generator=g, requires_grad=True)
    idx = torch.stack([torch.randperm(q, generator=g)[:j] for _ in range(b)])
    gt = torch.rand(b, j, 2, generator=g)
    w = torch.ones(b, j)
    return logits, coords, idx, gt, w


@pytest.mark.parametrize('normalizer,expected', [('num_instances', 3.0),
                                                  ('num_labelled', 2.0)])
def test_loss_l1_normalisation_hand_computed(normalizer, expected):
    """B = 1, J = 3, matched queries = joints: L1 distances 0.3, 0.3 and 0.6
    (sum 1.2). Reference: mean over B x J x 2 = 6 entries (0.2) x J = 0.6,
    i.e. 1.2 / (2 B); per labelled joint: 1.2 / 3 = 0.4; both x 5."""
    coords = torch.tensor([[[0.5, 0.5], [0.2, 0.1], [0.0, 0.0]]])
    gt = torch.tensor([[[0.4, 0.7], [0.2, 0.4], [0.3, 0.3]]])
    idx = torch.tensor([[0, 1, 2]])
    logits = torch.zeros(1, 3, 4)
    loss = HungarianKeypointLoss(3, coord_normalizer=normalizer)
    out = loss(logits, coords, idx, gt, torch.ones(1, 3))
    assert out['loss_kpt'].item() == pytest.approx(expected, rel=1e-6)
    reference = (F.l1_loss(coords[0], gt[0], reduction='none') *
                 torch.ones(3, 1)).mean() * 3 * 5
    if normalizer == 'num_instances':
        assert out['loss_kpt'].item() == pytest.approx(reference.item())
    assert HungarianKeypointLoss(3).coord_normalizer == 'num_instances'
    with pytest.raises(ValueError, match='coord_normalizer'):
        HungarianKeypointLoss(3, coord_normalizer='mean')


def test_loss_normalisation_ratio_with_17_labelled_joints():
    """All 17 COCO joints labelled: the per-labelled-joint L1 is 17 / 2 =
    8.5 times smaller than the reference's (the issue's arithmetic)."""
    g = torch.Generator().manual_seed(5)
    b, q, j = 3, 20, 17
    logits = torch.randn(b, q, j + 1, generator=g)
    coords = torch.rand(b, q, 2, generator=g)
    idx = torch.stack([torch.randperm(q, generator=g)[:j] for _ in range(b)])
    gt = torch.rand(b, j, 2, generator=g)
    w = torch.ones(b, j)
    ref = HungarianKeypointLoss(j)(logits, coords, idx, gt, w)
    detr = HungarianKeypointLoss(j, coord_normalizer='num_labelled')(
        logits, coords, idx, gt, w)
    assert ref['loss_kpt'].item() == pytest.approx(
        8.5 * detr['loss_kpt'].item(), rel=1e-6)
    assert ref['loss_cls'].item() == detr['loss_cls'].item()


def test_loss_values_and_background_weight():
    logits, coords, idx, gt, w = _loss_inputs()
    w[0, 2] = 0.
    b, q, c = logits.shape
    j = c - 1
    target = torch.full((b, q), j)
    for bi in range(b):
        target[bi, idx[bi]] = torch.arange(j)
    nll = F.cross_entropy(logits.reshape(-1, c), target.reshape(-1),
                          reduction='none')
    for bg in (0.1, 1.0, 0.0):
        out = HungarianKeypointLoss(j, bg_cls_weight=bg)(logits, coords, idx,
                                                          gt, w)
        cw = torch.where(target.reshape(-1) == j, bg, 1.)
        ref = (cw * nll).sum() / cw.sum()
        assert out['loss_cls'].item() == pytest.approx(ref.item(), rel=1e-5)
    # L1 on matched queries, visibility-weighted, x5, per 2 x instance
    # (reference, default) or per labelled joint
    matched = torch.stack([coords[bi, idx[bi]] for bi in range(b)])
    l1 = ((matched - gt).abs().sum(-1) * w).sum().detach()
    for normalizer, denom in (('num_instances', 2 * b),
                              ('num_labelled', w.sum())):
        out = HungarianKeypointLoss(j, coord_normalizer=normalizer)(
            logits, coords, idx, gt, w)
        assert out['loss_kpt'].item() == pytest.approx(
            5 * float(l1 / denom), rel=1e-5)


def test_background_weight_zero_ignores_unmatched_queries():
    logits, coords, idx, gt, w = _loss_inputs(1)
    loss = HungarianKeypointLoss(4, bg_cls_weight=0.)
    base = loss(logits, coords, idx, gt, w)['loss_cls']
    other = logits.detach().clone()
    unmatched = [qi for qi in range(7) if qi not in idx[0].tolist()]
    other[0, unmatched] = torch.randn(len(unmatched), 5) * 10
    assert loss(other, coords, idx, gt, w)['loss_cls'].item() == \
        pytest.approx(base.item(), rel=1e-6)


@pytest.mark.parametrize('normalizer', ['num_instances', 'num_labelled'])
def test_loss_finite_with_all_keypoints_invisible(normalizer):
    logits, coords, idx, gt, w = _loss_inputs(2)
    w = torch.zeros_like(w)
    gt[0, 0] = float('nan')  # garbage labels of invisible joints
    out = HungarianKeypointLoss(4, coord_normalizer=normalizer)(
        logits, coords, idx, gt, w)
    assert torch.isfinite(out['loss_cls']) and out['loss_kpt'].item() == 0.
    (out['loss_cls'] + out['loss_kpt']).backward()
    assert torch.isfinite(logits.grad).all()
    assert torch.isfinite(coords.grad).all() and (coords.grad == 0).all()


# ---------------------------------------------------------------- head
J, Q, D = 4, 8, 32
FLIP = [0, 2, 1, 3]
CODEC = dict(type='CoordinateRegressionLabel', input_size=(48, 64))


def _head(**kw):
    cfg = dict(in_channels=16, num_keypoints=J, num_queries=Q, embed_dims=D,
               num_encoder_layers=1, num_decoder_layers=2, num_heads=2,
               feedforward_channels=64, dropout=0., decoder=CODEC)
    cfg.update(kw)
    head = HungarianKeypointHead(**cfg)
    head.init_weights()
    return head


def _samples(b, seed=0, invisible=False):
    g = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(b):
        s = PoseDataSample(metainfo=dict(flip_indices=FLIP,
                                         input_size=(48, 64)))
        s.gt_instance_labels = InstanceData(
            keypoint_labels=torch.rand(1, J, 2, generator=g) * 0.8 + 0.1,
            keypoint_weights=torch.zeros(1, J) if invisible else torch.ones(
                1, J))
        s.gt_instances = InstanceData()
        samples.append(s)
    return samples


def test_head_forward_shapes_and_loss_keys():
    torch.manual_seed(0)
    head = _head()
    feats = (torch.randn(2, 16, 4, 3), )
    logits, coords = head(feats)
    assert logits.shape == (2, 2, Q, J + 1)
    assert coords.shape == (2, 2, Q, 2)
    assert ((coords > 0) & (coords < 1)).all()
    losses = head.loss(feats, _samples(2))
    assert set(losses) == {'loss_cls', 'loss_kpt', 'd0.loss_cls',
                           'd0.loss_kpt', 'acc_pose'}
    no_aux = _head(aux_loss=False).loss(feats, _samples(2))
    assert set(no_aux) == {'loss_cls', 'loss_kpt', 'acc_pose'}
    invisible = head.loss(feats, _samples(2, invisible=True))
    assert all(torch.isfinite(v) for v in invisible.values())
    assert invisible['loss_kpt'].item() == 0.
    # number of parameters of the DETR-sized head (the hint's arithmetic)
    full = HungarianKeypointHead(in_channels=2048, num_keypoints=17)
    n = sum(p.numel() for p in full.parameters())
    assert n == 18_050_324  # 0.52M proj + 17.36M transformer + heads


def test_loss_by_targets_honours_the_loss_switches():
    """The end-to-end head calls loss_by_targets: the normalisation switch
    and the matcher switch reach it through the head's config."""
    torch.manual_seed(0)
    feats = (torch.randn(3, 16, 4, 3), )
    ref = _head()
    labelled = _head(loss=dict(type='HungarianKeypointLoss',
                               coord_normalizer='num_labelled'))
    labelled.load_state_dict(ref.state_dict())
    logits, coords = ref(feats)
    g = torch.Generator().manual_seed(2)
    gt = torch.rand(3, J, 2, generator=g)
    w = torch.tensor([[1., 1., 0., 1.], [1., 0., 0., 0.], [1., 1., 1., 1.]])
    a = ref.loss_by_targets(logits, coords, gt, w)
    b = labelled.loss_by_targets(logits, coords, gt, w)
    for key in ('loss_kpt', 'd0.loss_kpt'):  # 8 labelled joints, B = 3
        assert a[key].item() == pytest.approx(b[key].item() * 8 / 6,
                                              rel=1e-5)
    assert a['loss_cls'].item() == pytest.approx(b['loss_cls'].item())
    off = _head(matcher=dict(type='KeypointHungarianMatcher',
                             coord_cost_unlabelled=False))
    assert ref.matcher.coord_cost_unlabelled
    assert not off.matcher.coord_cost_unlabelled


def test_head_learns_a_fixed_batch():
    torch.manual_seed(0)
    head = _head()
    feats = (torch.randn(4, 16, 4, 3), )
    samples = _samples(4, seed=1)
    opt = torch.optim.AdamW(head.parameters(), lr=3e-3)
    history = []
    for _ in range(60):
        losses = head.loss(feats, samples)
        total = sum(v for k, v in losses.items() if 'loss' in k)
        opt.zero_grad()
        total.backward()
        opt.step()
        history.append(total.item())
    assert history[-1] < 0.3 * history[0], history[::10]
    head.eval()
    with torch.no_grad():
        preds = head.predict(feats, samples, test_cfg=dict(flip_test=False))
    gt = torch.stack([s.gt_instance_labels.keypoint_labels[0]
                      for s in samples]) * torch.tensor([48., 64.])
    kpts = torch.from_numpy(np.stack([p.keypoints[0] for p in preds]))
    assert (kpts - gt).abs().mean() < 4.0  # pixels of a 48x64 crop


def test_flip_test_is_mirror_symmetric():
    """predict([a, b]) and predict([b, a]) (the feature pairs of an image
    and of its mirror) give mirrored, left/right-swapped keypoints."""
    torch.manual_seed(0)
    head = _head().eval()
    a = (torch.randn(2, 16, 4, 3), )
    b = (torch.randn(2, 16, 4, 3), )
    samples = _samples(2)
    cfg = dict(flip_test=True, shift_coords=True)
    with torch.no_grad():
        p = head.predict([a, b], samples, cfg)
        m = head.predict([b, a], samples, cfg)
    for pi, mi in zip(p, m):
        mirrored = pi.keypoints[:, FLIP].copy()
        mirrored[..., 0] = 48 - 1 - mirrored[..., 0]
        np.testing.assert_allclose(mi.keypoints, mirrored, atol=1e-4)
        np.testing.assert_allclose(mi.keypoint_scores,
                                   pi.keypoint_scores[:, FLIP], atol=1e-6)
    with pytest.raises(ValueError, match='flip test'):
        head.predict(a, samples, cfg)


def test_flip_test_shift_coords_is_half_a_pixel():
    """shift_coords=True maps the flipped pass back with 1 - u - 1/w (exact
    for a pixel flip), False with the reference's 1 - u: after averaging
    the two passes, x differs by exactly half a crop pixel; y and scores
    are the same."""
    torch.manual_seed(0)
    head = _head().eval()
    a = (torch.randn(2, 16, 4, 3), )
    b = (torch.randn(2, 16, 4, 3), )
    samples = _samples(2)
    with torch.no_grad():
        exact = head.predict([a, b], samples,
                             dict(flip_test=True, shift_coords=True))
        ref = head.predict([a, b], samples,
                           dict(flip_test=True, shift_coords=False))
    for e, r in zip(exact, ref):
        np.testing.assert_allclose(r.keypoints[..., 0] - e.keypoints[..., 0],
                                   0.5, atol=1e-4)
        np.testing.assert_allclose(r.keypoints[..., 1], e.keypoints[..., 1])
        np.testing.assert_allclose(r.keypoint_scores, e.keypoint_scores)


def test_multiscale_input_and_errors():
    torch.manual_seed(0)
    head = _head(in_channels=(8, 16), in_index=(0, 1))
    feats = (torch.randn(1, 8, 8, 6), torch.randn(1, 16, 4, 3))
    logits, coords = head(feats)
    assert logits.shape == (2, 1, Q, J + 1)
    assert head.input_proj.in_channels == 24
    # resampled to the last level's 4x3 grid: 12 tokens
    assert head._select(feats).shape == (1, 24, 4, 3)
    hi = _head(in_channels=(8, 16), in_index=(0, 1), resize_index=0)
    assert hi._select(feats).shape == (1, 24, 8, 6)
    with pytest.raises(ValueError, match='C = '):
        head((torch.randn(1, 8, 8, 6), torch.randn(1, 15, 4, 3)))
    with pytest.raises(ValueError, match='num_queries'):
        _head(num_queries=3)
    with pytest.raises(ValueError, match='in_channels'):
        _head(in_channels=(8, 16), in_index=(0, 1, 2))


def test_position_in_tokens_adds_the_embedding_to_the_values():
    """``position_in_tokens`` (end-to-end decision 22) feeds the transformer
    ``tokens + pos`` (the embedding still goes to queries and keys too);
    the default feeds the tokens alone (DETR's convention)."""
    torch.manual_seed(0)
    w, h = 3, 4
    head = _head(learned_position_grid=(w, h), position_in_tokens=True)
    plain = _head(learned_position_grid=(w, h))
    plain.load_state_dict(head.state_dict())  # no new parameters
    feats = (torch.randn(2, 16, h, w), )
    x = head.input_proj(feats[0]).flatten(2).transpose(1, 2)
    pos = head.position_embedding(h, w, torch.device('cpu'), torch.float32)
    ref, _ = head.transformer(x + pos, pos, head.query_embed.weight)
    torch.testing.assert_close(head.forward_transformer(feats), ref)
    ref_plain, _ = head.transformer(x, pos, head.query_embed.weight)
    torch.testing.assert_close(plain.forward_transformer(feats), ref_plain)
    assert not torch.allclose(ref, ref_plain, atol=1e-3)
    # the learned rows / columns now also reach the loss through the values
    logits, coords = head(feats)
    coords.sum().backward()
    assert head.row_embed.weight.grad.abs().sum() > 0


def test_learned_position_grid_is_sine_then_learned_rows_and_columns():
    """The end-to-end authors' crop embedding (decision 21): channels
    ``[:d/2]`` are the sine embedding of d/2 channels, ``[d/2:3d/4]`` the
    learned embedding of each token's row, ``[3d/4:]`` of its column; it is
    trained, and a grid of another size is refused."""
    from mmpose_tfx.models.necks.transformer_encoder_neck import \
        sine_position_embedding
    torch.manual_seed(0)
    w, h = 3, 4
    head = _head(learned_position_grid=(w, h))
    pos = head.position_embedding(h, w, torch.device('cpu'), torch.float32)
    assert pos.shape == (1, h * w, D)
    torch.testing.assert_close(pos[0, :, :D // 2],
                               sine_position_embedding(h, w, D // 2))
    for y in range(h):
        for x in range(w):
            tok = pos[0, y * w + x]
            torch.testing.assert_close(tok[D // 2:3 * D // 4],
                                       head.col_embed.weight[y])
            torch.testing.assert_close(tok[3 * D // 4:],
                                       head.row_embed.weight[x])
    assert (head.row_embed.weight >= 0).all() and \
        (head.row_embed.weight < 1).all()
    logits, coords = head((torch.randn(2, 16, h, w), ))
    (logits.sum() + coords.sum()).backward()
    assert head.row_embed.weight.grad.abs().sum() > 0
    assert head.col_embed.weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='3 x 4'):
        head((torch.randn(1, 16, 4, 4), ))
    with pytest.raises(ValueError, match='learned_position_grid'):
        _head(learned_position_grid=(0, 4))
    # default: the sine embedding over all d channels, no extra parameters
    plain = _head()
    torch.testing.assert_close(
        plain.position_embedding(h, w, torch.device('cpu'), torch.float32)[0],
        sine_position_embedding(h, w, D))
    assert not hasattr(plain, 'row_embed')
