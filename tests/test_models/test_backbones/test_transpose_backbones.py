import pytest
import torch
from mmpose.registry import MODELS

import mmpose_tfx  # noqa: F401

W32 = dict(
    stage1=dict(
        num_modules=1,
        num_branches=1,
        block='BOTTLENECK',
        num_blocks=(4, ),
        num_channels=(64, )),
    stage2=dict(
        num_modules=1,
        num_branches=2,
        block='BASIC',
        num_blocks=(4, 4),
        num_channels=(32, 64)),
    stage3=dict(
        num_modules=4,
        num_branches=3,
        block='BASIC',
        num_blocks=(4, 4, 4),
        num_channels=(32, 64, 128)))


def test_hrnet_s_stride_and_channels():
    net = MODELS.build(dict(type='HRNetS', extra=W32)).eval()
    out = net(torch.randn(1, 3, 64, 48))
    assert len(out) == 1 and out[0].shape == (1, 32, 16, 12)
    assert net.out_channels == 32
    assert not hasattr(net, 'stage4') and not hasattr(net, 'transition3')
    # the last stage-3 module fuses into branch 0 only
    assert net.stage3[-1].multiscale_output is False
    assert all(m.multiscale_output for m in net.stage3[:-1])


def test_hrnet_s_is_the_prefix_of_mmpose_hrnet():
    """HRNet-S shares the state-dict keys of HRNet's stem and stages 1-3, so
    ImageNet HRNet weights load into it; the branch-0 output equals the
    full HRNet's stage-3 fused branch 0."""
    extra = dict(W32)
    extra['stage4'] = dict(
        num_modules=1,
        num_branches=4,
        block='BASIC',
        num_blocks=(1, 1, 1, 1),
        num_channels=(32, 64, 128, 256))
    full = MODELS.build(dict(type='HRNet', extra=extra))
    full.eval()  # mmpose's HRNet.train() returns None
    small = MODELS.build(dict(type='HRNetS', extra=W32)).eval()
    missing, unexpected = small.load_state_dict(
        full.state_dict(), strict=False)
    assert missing == []
    assert unexpected and all(
        k.startswith(('stage4.', 'transition3.', 'stage3.3.fuse_layers.'))
        for k in unexpected)
    x = torch.randn(1, 3, 64, 48)
    # run the full HRNet up to stage 3 by hand, then fuse like the last module
    with torch.no_grad():
        y = full.relu(full.norm1(full.conv1(x)))
        y = full.relu(full.norm2(full.conv2(y)))
        y = full.layer1(y)
        ys = full.stage2([t(y) if t is not None else y
                          for t in full.transition1])
        xs = [full.transition2[i](ys[-1]) if full.transition2[i] is not None
              else ys[i] for i in range(3)]
        ref = full.stage3(xs)[0]
        out = small(x)[0]
    torch.testing.assert_close(out, ref)


def test_hrnet_s_rejects_stage4():
    extra = dict(W32, stage4=W32['stage3'])
    with pytest.raises(ValueError, match='stage4'):
        MODELS.build(dict(type='HRNetS', extra=extra))


def test_resnet_s_stride_and_channels():
    net = MODELS.build(
        dict(
            type='ResNet',
            depth=50,
            num_stages=2,
            strides=(1, 2),
            dilations=(1, 1),
            out_indices=(1, )))
    net.eval()
    out = net(torch.randn(1, 3, 64, 48))
    assert len(out) == 1 and out[0].shape == (1, 512, 8, 6)
    assert not hasattr(net, 'layer3')

def test_hrnet_s_out_branch():
    """``out_branch`` fuses the last stage-3 module into a lower-resolution
    branch (what LightPoseHRNet builds on); out-of-range is an error."""
    net = MODELS.build(dict(type='HRNetS', extra=W32, out_branch=2)).eval()
    out = net(torch.randn(1, 3, 64, 48))
    assert out[0].shape == (1, 128, 4, 3) and net.out_channels == 128
    with pytest.raises(ValueError, match='out_branch'):
        MODELS.build(dict(type='HRNetS', extra=W32, out_branch=3))
