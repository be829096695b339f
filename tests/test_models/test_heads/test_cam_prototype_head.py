"""LOFR's CAMPrototypeHead: eqs. 1-2 against hand computations, the graph
convolution (zero outside the skeleton, rows summing to one), the part
diversity loss (0 orthogonal, 1 identical), response maps that are
distributions, location-free training that never reads a coordinate
(identical losses and gradients with garbage coordinates), the
semi-supervised heatmap loss, an exactly mirror-symmetric flip test."""
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.structures import PoseDataSample

import mmpose_tfx  # noqa: F401
from mmpose_tfx.codecs import ImageLevelKeypointLabel
from mmpose_tfx.models.heads import CAMPrototypeHead
from mmpose_tfx.models.losses import PartDiversityLoss
from mmpose_tfx.models.utils import SemanticGraphConv, skeleton_adjacency

pytestmark = pytest.mark.usefixtures('one_thread')

K, W, H = 5, 64, 64
LINKS = [(0, 1), (1, 2), (0, 3), (3, 4)]
FLIP = [0, 3, 4, 1, 2]


def _head(**kw):
    torch.manual_seed(0)
    args = dict(in_channels=(4, 6, 8), num_keypoints=K, input_size=(W, H),
                embed_dims=16, num_heads=4, feedforward_channels=32,
                num_encoder_layers=1, num_decoder_layers=2, dropout=0.,
                skeleton=LINKS,
                decoder=dict(type='ImageLevelKeypointLabel',
                             input_size=(W, H), heatmap_size=(W // 4, H // 4),
                             sigma=1.))
    args.update(kw)
    head = CAMPrototypeHead(**args)
    head.init_weights()
    return head


def _feats(b=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(b, 4, H // 4, W // 4, generator=g),
            torch.randn(b, 6, H // 8, W // 8, generator=g),
            torch.randn(b, 8, H // 16, W // 16, generator=g))


def test_eq1_eq2_hand_computation():
    head = _head()
    x = torch.randn(1, 8, 2, 3)
    logits, cams, fc = head.cam(x)
    xp = head.cam_conv(x)[0]  # (K, 2, 3)
    wfc = head.cam_fc.weight
    # eq. 1: m_c(x, y) = ReLU(sum_k w_k^c x'_k(x, y)), FC bias excluded
    for c in range(K):
        for i in range(2):
            for j in range(3):
                v = sum(wfc[c, k] * xp[k, i, j] for k in range(K))
                assert cams[0, c, i, j].item() == pytest.approx(
                    max(v.item(), 0.), abs=1e-5)
    # logits: FC on the global average of X'
    torch.testing.assert_close(logits[0], head.cam_fc(xp.mean((1, 2))))
    # eq. 2: f_c = sum_ij x'_ij,c x^c_ij (here averaged over the 6 cells)
    xc = head.key_conv(x)[0]  # (d, 2, 3)
    for c in range(K):
        f = sum(xp[c, i, j] * xc[:, i, j] for i in range(2)
                for j in range(3)) / 6
        torch.testing.assert_close(fc[0, c], f, atol=1e-5, rtol=1e-4)


def test_spatial_aware_position_encoding_by_hand():
    """Eqs. 3-4 as decided (decision 4): F^key is each CAM over its maximum
    (1 at the coarse location); every position l receives
    phi_l = sum_c F^key_lc * (CAM-weighted mean of the tokens of part c),
    and F' = psi(phi + F)."""
    head = _head()
    g = torch.Generator().manual_seed(3)
    cams = torch.rand(2, K, 2, 3, generator=g)
    cams[1, 2] = 0.  # a class the CNN sees nowhere: no division by 0
    key = head.location_maps(cams, (2, 3))
    assert key.shape == (2, 6, K)
    for b in range(2):
        for c in range(K):
            m = cams[b, c].flatten()
            expect = m / m.max() if m.max() > 0 else m
            torch.testing.assert_close(key[b, :, c], expect)
    assert float(key[0].max(0).values.min()) == pytest.approx(1.)
    tokens = torch.randn(2, 6, 16, generator=g)
    out = head.spatial_aware_encoding(tokens, key)
    for b in range(2):
        phi = torch.zeros(6, 16)
        for c in range(K):
            w = key[b, :, c]
            if w.sum() == 0:
                continue
            part = (w[:, None] * tokens[b]).sum(0) / w.sum()
            phi += w[:, None] * part[None]
        torch.testing.assert_close(out[b], head.spe_proj(phi + tokens[b]))
    assert torch.isfinite(out).all()
    # at a finer level: the normalised CAMs, bilinearly resized
    fine = head.location_maps(cams, (8, 12)).transpose(1, 2).reshape(
        2, K, 8, 12)
    torch.testing.assert_close(
        fine, torch.nn.functional.interpolate(
            cams / cams.flatten(2).max(-1).values.clamp(min=1e-6)[
                ..., None, None], size=(8, 12), mode='bilinear',
            align_corners=False))


def test_graph_convolution_respects_the_skeleton():
    adj = skeleton_adjacency(K, LINKS)
    assert adj.diagonal().all() and adj[0, 1] and adj[1, 0]
    assert not adj[0, 2] and not adj[2, 4]
    conv = SemanticGraphConv(3, 3, adj)
    with torch.no_grad():
        conv.relation.normal_()  # learned, non-uniform relations
    a = conv.normalized_adjacency()
    torch.testing.assert_close(a.sum(-1), torch.ones(K))
    assert (a[~adj] == 0).all() and (a[adj] > 0).all()
    # a change at node 2 reaches only its neighbours (1 and itself)
    x = torch.randn(1, K, 3)
    y = x.clone()
    y[0, 2] += 1.
    changed = (conv(x) - conv(y)).abs().sum(-1)[0] > 0
    assert changed.tolist() == [False, True, True, False, False]
    with pytest.raises(ValueError, match='outside'):
        skeleton_adjacency(K, [(0, 7)])


def test_reppg_prototypes_are_fc_plus_the_graph_convolutions():
    """RePPG (eq. 10, decision 6): prototypes = F_c + GCN_2(ReLU(GCN_1(
    F_c))); without RePPG, the learned prototypes for every image."""
    head = _head()
    assert len(head.gcn) == 2
    fc = torch.randn(2, K, 16, generator=torch.Generator().manual_seed(4))
    expect = fc + head.gcn[1](torch.relu(head.gcn[0](fc)))
    torch.testing.assert_close(head.initial_prototypes(fc), expect)
    learned = _head(reppg=False)
    out = learned.initial_prototypes(fc)
    torch.testing.assert_close(out[0], learned.prototypes.weight)
    torch.testing.assert_close(out[1], learned.prototypes.weight)


def test_part_diversity_loss_values():
    loss = PartDiversityLoss(loss_weight=1.)
    eye = torch.eye(4)[None]  # orthogonal
    assert loss(eye).item() == pytest.approx(0., abs=1e-6)
    same = torch.ones(2, 4, 3) * torch.tensor([1., 2., 3.])
    assert loss(same).item() == pytest.approx(1., abs=1e-6)
    assert PartDiversityLoss(loss_weight=0.1)(same).item() == pytest.approx(
        0.1, abs=1e-6)


def test_response_maps_are_distributions():
    head = _head().eval()
    with torch.no_grad():
        out = head.forward_all(_feats())
    assert out['attention'].shape == (2, K, 16 * 16 + 8 * 8 + 4 * 4)
    torch.testing.assert_close(out['attention'].sum(-1), torch.ones(2, K))
    r = out['response']
    assert r.shape == (2, K, H // 4, W // 4) and (r >= 0).all()
    torch.testing.assert_close(r.sum((2, 3)), torch.ones(2, K))
    single = _head(multi_scale=False).eval()
    with torch.no_grad():
        r, _ = single(_feats())
    torch.testing.assert_close(r.sum((2, 3)), torch.ones(2, K))


def _samples(kpts, vis, ids=(1, 2), fraction=0.):
    codec = ImageLevelKeypointLabel(
        input_size=(W, H), heatmap_size=(W // 4, H // 4), sigma=1.,
        labelled_fraction=fraction)
    samples = []
    for k, v, i in zip(kpts, vis, ids):
        enc = codec.encode(k[None], v[None], id=i)
        s = PoseDataSample()
        s.gt_instances = InstanceData(keypoints=k[None].copy())
        s.gt_instance_labels = InstanceData(
            **{n: torch.from_numpy(enc[n])
               for n in ('keypoint_presence', 'keypoint_weights',
                         'location_weight')})
        s.gt_fields = PixelData(heatmaps=torch.from_numpy(enc['heatmaps']))
        s.set_metainfo(dict(input_size=(W, H), flip_indices=FLIP,
                            input_center=np.array([W / 2, H / 2]),
                            input_scale=np.array([W, H], np.float32)))
        samples.append(s)
    return samples


def _loss_and_grads(head, samples):
    head.zero_grad()
    losses = head.loss(_feats(), samples)
    total = sum(v for n, v in losses.items() if n.startswith('loss'))
    total.backward()
    return losses, {n: p.grad.clone() for n, p in head.named_parameters()
                    if p.grad is not None}


def test_location_free_training_never_reads_coordinates():
    rng = np.random.default_rng(0)
    vis = np.array([[1, 1, 0, 1, 0], [1, 0, 1, 1, 1]], np.float32)
    true = rng.uniform(0, 63, (2, K, 2)).astype(np.float32)
    garbage = rng.uniform(-1e6, 1e6, (2, K, 2)).astype(np.float32)
    garbage[0, 0] = np.nan
    head = _head().train()
    a, ga = _loss_and_grads(head, _samples(true, vis))
    b, gb = _loss_and_grads(head, _samples(garbage, vis))
    assert set(a) == set(b) and a['loss_sup_heatmap'] == 0
    for n in a:
        assert torch.equal(a[n], b[n]), n
    assert ga.keys() == gb.keys() and len(ga) > 10
    for n in ga:
        assert torch.equal(ga[n], gb[n]), n
    # the presence labels are the visibility, nothing else
    s = _samples(garbage, vis)
    assert s[0].gt_instance_labels.keypoint_presence.tolist() == [
        vis[0].tolist()]
    assert (s[0].gt_fields.heatmaps == 0).all()


def test_semi_supervised_heatmap_loss_only_for_labelled():
    rng = np.random.default_rng(1)
    kpts = rng.uniform(4, 59, (2, K, 2)).astype(np.float32)
    vis = np.ones((2, K), np.float32)
    head = _head().train()
    samples = _samples(kpts, vis, fraction=1.)
    losses = head.loss(_feats(), samples)
    assert losses['loss_sup_heatmap'] > 0
    # eq. 14 as decided (decisions 10, 10b): per map, the squared error
    # between the map scaled to its target's mass and the Gaussian summed
    # over the pixels; then the mean over the B x C maps
    with torch.no_grad():
        r, _ = head(_feats())
    gt = torch.stack([s.gt_fields.heatmaps for s in samples])
    mass = gt.flatten(2).sum(-1)[..., None, None]
    b, c = gt.shape[:2]
    expected = ((r * mass - gt)**2).sum() / (b * c)
    assert losses['loss_sup_heatmap'].item() == pytest.approx(
        expected.item(), rel=1e-4)
    # labelled coordinates matter, unlabelled ones do not
    moved = kpts.copy()
    moved[:, :, 0] += 5
    assert head.loss(_feats(), _samples(moved, vis, fraction=1.))[
        'loss_sup_heatmap'] != losses['loss_sup_heatmap']


def test_losses_are_the_weighted_terms_of_eqs_12_13_15():
    """Each logged loss is its weight (sec. 4.2: alpha 0.2, alpha1 0.2,
    alpha2 0.5, beta 0.1; here other values, so that a wrong pairing
    shows) times its term computed here; in a mixed batch eq. 14 covers
    the location-labelled instance only, averaged over its maps."""
    rng = np.random.default_rng(2)
    kpts = rng.uniform(4, 59, (2, K, 2)).astype(np.float32)
    vis = np.array([[1, 1, 0, 1, 1], [1, 0, 1, 1, 1]], np.float32)
    weights = dict(alpha=0.3, alpha1=0.7, alpha2=1.3, beta=0.05)
    head = _head(loss_weights=weights).eval()  # no dropout: same forward
    labelled = _samples(kpts, vis, fraction=1.)
    unlabelled = _samples(kpts, vis, fraction=0.)
    samples = [labelled[0], unlabelled[1]]
    assert [float(s.gt_instance_labels.location_weight) for s in samples
            ] == [1., 0.]
    losses = head.loss(_feats(), samples)
    with torch.no_grad():
        out = head.forward_all(_feats())
    labels = torch.from_numpy(vis)

    def bce(logits):
        p = logits.sigmoid()
        return -(labels * p.log() + (1 - labels) * (1 - p).log()).mean()

    f = torch.nn.functional.normalize(out['part_feats'], dim=-1)
    cos = f @ f.transpose(1, 2)
    off = ~torch.eye(K, dtype=torch.bool)
    div = cos[:, off].mean()  # eq. 11 over i != j
    expected = dict(loss_cls_cnn=weights['alpha'] * bce(out['cnn_logits']),
                    loss_cls_enc=weights['alpha1'] * bce(out['enc_logits']),
                    loss_cls_dec=weights['alpha2'] * bce(out['dec_logits']),
                    loss_div=weights['beta'] * div)
    for name, value in expected.items():
        assert losses[name].item() == pytest.approx(value.item(),
                                                    rel=1e-4), name
    # eq. 14 on instance 0 only (its visible maps), mean over its maps
    gt = labelled[0].gt_fields.heatmaps
    kw = labelled[0].gt_instance_labels.keypoint_weights[0]
    mass = gt.flatten(1).sum(-1)[:, None, None]
    per_map = ((out['response'][0] * mass - gt)**2).sum((1, 2)) * kw
    assert losses['loss_sup_heatmap'].item() == pytest.approx(
        (per_map.sum() / K).item(), rel=1e-4)


def test_location_loss_minimum_is_the_target_not_any_spike():
    """Eq. 14 as decided (decision 10): the target distribution scores 0
    and collapsing a map onto one cell scores worse than a flat map, on
    the joint or anywhere else. The max normalisation used before rewarded
    the collapse: a spike in a corner scored far better than a flat map
    (what training found, AP 0)."""
    head = _head()
    kpts = np.full((1, K, 2), 30., np.float32)
    samples = _samples(kpts, np.ones((1, K), np.float32), fraction=1.)
    gt = samples[0].gt_fields.heatmaps[None]
    kw = samples[0].gt_instance_labels.keypoint_weights
    mass = gt.flatten(2).sum(-1)[..., None, None]
    h, w = gt.shape[-2:]

    def spike(y, x):
        r = torch.zeros_like(gt)
        r[..., y, x] = 1.
        return r

    flat = torch.full_like(gt, 1. / (h * w))
    peak = divmod(int(gt[0, 0].argmax()), w)
    corner = spike(h - 1, w - 1)
    loss = {name: head.sup_loss(r * mass, gt, kw).item()
            for name, r in dict(target=gt / mass, flat=flat,
                                on_joint=spike(*peak),
                                corner=corner).items()}
    assert loss['target'] == pytest.approx(0., abs=1e-12)
    assert loss['flat'] < loss['on_joint'] < loss['corner']

    def max_normalised(r):
        return head.sup_loss(r / r.flatten(2).max(-1).values[..., None, None],
                             gt, kw).item()

    assert max_normalised(corner) < max_normalised(flat) / 10


def test_flip_test_is_mirror_symmetric():
    head = _head().eval()
    feats = _feats(b=1)
    flipped = tuple(f.flip(-1) for f in feats)
    samples = _samples(np.zeros((1, K, 2), np.float32),
                       np.ones((1, K), np.float32), ids=(1, ))
    with torch.no_grad():
        a = head.predict([feats, flipped], samples, dict(flip_test=True))[0]
        b = head.predict([flipped, feats], samples, dict(flip_test=True))[0]
    ka, kb = a.keypoints[0], b.keypoints[0]
    expected = ka[FLIP].copy()
    # MSRA decoding on a mirrored map: x -> (w_map - 1 - x) map cells
    expected[:, 0] = (W // 4 - 1) * 4 - expected[:, 0]
    np.testing.assert_allclose(kb, expected, atol=1e-3)
    np.testing.assert_allclose(b.keypoint_scores[0],
                               a.keypoint_scores[0][FLIP], atol=1e-6)
    assert ((a.keypoint_scores > 0) & (a.keypoint_scores < 1)).all()


def test_switches_and_errors():
    base = _head(spe=False, multi_scale=False, reppg=False)
    assert not hasattr(base, 'gcn') and not hasattr(base, 'spe_proj')
    losses = base.loss(_feats(), _samples(np.zeros((2, K, 2), np.float32),
                                          np.ones((2, K), np.float32)))
    assert all(torch.isfinite(v) for v in losses.values())
    with pytest.raises(ValueError, match='skeleton'):
        CAMPrototypeHead(in_channels=(4, 6, 8), num_keypoints=K)
    with pytest.raises(ValueError, match='17 keypoints'):
        CAMPrototypeHead(in_channels=(4, 6, 8), num_keypoints=K,
                         metainfo=dict(
                             from_file='configs/_base_/datasets/coco.py'))
    with pytest.raises(ValueError, match=f'{K} keypoint classes'):
        _head().loss(_feats(), [_bad_sample()] * 2)


def _bad_sample():
    s = PoseDataSample()
    s.gt_instance_labels = InstanceData(
        keypoint_presence=torch.ones(1, K + 1))
    return s


def test_presence_read_out_from_part_features():
    """``presence_from='part'`` (decision 8): the final logits are the
    per-class read-out of ``f_i^p = sum_p R_i(p) F_m(p)``, and the
    presence loss reaches the last layer's attention but not its FFN
    (which shapes the decoder output, not where R_i looks)."""
    head = _head(presence_from='part')
    with torch.no_grad():
        head.dec_cls_weight.normal_()
    out = head.forward_all(_feats())
    expected = (out['part_feats'] * head.dec_cls_weight).sum(-1) + \
        head.dec_cls_bias
    torch.testing.assert_close(out['dec_logits'], expected)
    # the decoder-output read-out is not the part feature
    query = _head(presence_from='query')
    with torch.no_grad():
        query.dec_cls_weight.copy_(head.dec_cls_weight)
    assert not torch.allclose(
        query.forward_all(_feats())['dec_logits'], out['dec_logits'])
    # through the part features the presence BCE reaches the last layer's
    # attention (where R_i looks) but not its FFN; read from the decoder
    # output, it reaches both
    samples = _samples(np.zeros((2, K, 2), np.float32),
                       np.array([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1]],
                                np.float32))
    for h, ffn_grad in ((head, False), (query, True)):
        h.zero_grad()
        h.loss(_feats(), samples)['loss_cls_dec'].backward()
        last = h.decoder_layers[-1]
        assert last.cross_attn.in_proj_weight.grad.abs().sum() > 0
        g = last.linear2.weight.grad
        assert (g is not None and g.abs().sum() > 0) == ffn_grad
    with pytest.raises(ValueError, match='presence_from'):
        _head(presence_from='cams')


def test_presence_read_out_from_local_part_features():
    """``presence_from='local'`` (decision 8): the part features pool the
    encoder's *input* tokens (each level's projected CNN features, no
    position term) with R_i, so what R_i selects is what lies at those
    positions, not context the encoder spread over every token."""
    head = _head(presence_from='local')
    with torch.no_grad():
        head.dec_cls_weight.normal_()
    feats = _feats()
    out = head.forward_all(feats)
    # written out: the three levels' projected features, flattened in the
    # memory's order (1/4, 1/8, 1/16), pooled with R_i
    levels = [head.input_proj[k](feats[head.in_index[lv]])
              for k, lv in enumerate(head.levels)]
    tokens = torch.cat([f.flatten(2).transpose(1, 2) for f in levels], 1)
    assert tokens.shape[1] == out['attention'].shape[-1]
    torch.testing.assert_close(out['part_feats'],
                               out['attention'] @ tokens)
    torch.testing.assert_close(
        out['dec_logits'],
        (out['part_feats'] * head.dec_cls_weight).sum(-1) +
        head.dec_cls_bias)
    # the encoder changes where R_i looks (keys), not what it pools: with
    # the attention held fixed, new encoder weights leave the logits alone
    with torch.no_grad():
        for p in head.encoder.parameters():
            p.add_(torch.randn_like(p))
    again = head.forward_all(feats)
    assert not torch.allclose(again['attention'], out['attention'])
    torch.testing.assert_close(again['part_feats'],
                               again['attention'] @ tokens)
