"""tools/analysis/model_complexity.py counts every attention: a transformer
encoder layer's FLOPs against the hand count, whichever kernel PyTorch would
pick (fused self-attention, scaled_dot_product_attention, the explicit
product with a mask)."""
import pytest
import torch
from torch import nn

from mmpose_tfx.models.necks import TransformerEncoderLayer

L, D, HEADS, FFN = 48, 32, 4, 64


def _hand_count(length: int) -> int:
    """Multiply-adds of one post-norm layer on ``length`` tokens: q / k / v
    and output projections, the two attention products, the FFN; the two
    affine LayerNorms as MMEngine counts them (5 per element)."""
    proj = 4 * length * D * D
    attention = 2 * length * length * D
    ffn = 2 * length * D * FFN
    norms = 2 * (5 * length * D)
    return proj + attention + ffn + norms


class _Layer(nn.Module):

    def __init__(self, mode: str):
        super().__init__()
        torch.manual_seed(0)
        self.layer = TransformerEncoderLayer(D, HEADS, FFN, dropout=0.)
        self.mode = mode

    def forward(self, x):
        if self.mode == 'self':  # q is k is v: the fused fast path
            return self.layer(x)[0]
        if self.mode == 'pos':  # q = k != v: scaled_dot_product_attention
            return self.layer(x, torch.zeros_like(x) + 1)[0]
        # explicit softmax(QK^T)V with a mask: baddbmm + bmm
        mask = torch.zeros(x.shape[1], x.shape[1])
        q = k = x + 1
        out = self.layer.self_attn(q, k, x, attn_mask=mask,
                                   need_weights=True)[0]
        x = self.layer.norm1(x + out)
        return self.layer.norm2(x + self.layer._ffn(x))


@pytest.fixture(scope='module')
def tool(load_tool):
    return load_tool('tools/analysis/model_complexity.py')


@pytest.mark.parametrize('mode', ['self', 'pos', 'mask'])
def test_every_attention_kernel_is_counted(tool, mode):
    model = _Layer(mode).eval()
    by_op = tool.flops_by_operator(model, (torch.randn(1, L, D), ))
    assert sum(by_op.values()) == _hand_count(L)
    # the fast path is restored afterwards
    assert torch.backends.mha.get_fastpath_enabled()


def test_sdpa_and_baddbmm_handles_by_hand(tool):
    """The two handles on their own: (2, 3) batches of 5 x 7 queries x keys,
    4-dim keys, 6-dim values."""

    class Sdpa(nn.Module):

        def forward(self, q, k, v):
            return nn.functional.scaled_dot_product_attention(q, k, v)

    class Baddbmm(nn.Module):

        def forward(self, a, b1, b2):
            return torch.baddbmm(a, b1, b2)

    q, k, v = torch.randn(2, 3, 5, 4), torch.randn(2, 3, 7, 4), \
        torch.randn(2, 3, 7, 6)
    assert tool.flops_by_operator(Sdpa(), (q, k, v)) == {
        'scaled_dot_product_attention': 2 * 3 * 5 * 7 * (4 + 6)}
    a, b1, b2 = torch.randn(6, 5, 7), torch.randn(6, 5, 4), \
        torch.randn(6, 4, 7)
    assert tool.flops_by_operator(Baddbmm(), (a, b1, b2)) == {
        'baddbmm': 6 * 5 * 4 * 7}
