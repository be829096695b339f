"""LightPoseHRNet: HRNet stem to stage 3 with one fused output at stride 4,
8, 16 or 32; equals the corresponding branch of MMPose's HRNet."""
import pytest
import torch
from mmpose.registry import MODELS

import mmpose_tfx  # noqa: F401

# HRNet-W32 widths with light stages (fast on CPU); W48 only for counts.
EXTRA = dict(
    stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK',
                num_blocks=(1, ), num_channels=(16, )),
    stage2=dict(num_modules=1, num_branches=2, block='BASIC',
                num_blocks=(1, 1), num_channels=(8, 16)),
    stage3=dict(num_modules=2, num_branches=3, block='BASIC',
                num_blocks=(1, 1, 1), num_channels=(8, 16, 32)))


pytestmark = pytest.mark.usefixtures('one_thread')


@pytest.mark.parametrize('stride,channels', [(4, 8), (8, 16), (16, 32),
                                             (32, 64)])
def test_output_stride_and_channels(stride, channels):
    net = MODELS.build(dict(type='LightPoseHRNet', extra=EXTRA,
                            out_stride=stride)).eval()
    out = net(torch.randn(2, 3, 128, 96))
    assert len(out) == 1
    assert out[0].shape == (2, channels, 128 // stride, 96 // stride)
    assert net.out_channels == channels
    assert not hasattr(net, 'stage4')


@pytest.mark.parametrize('stride,branch', [(4, 0), (8, 1), (16, 2)])
def test_equals_the_fused_branch_of_mmpose_hrnet(stride, branch):
    """With HRNet's weights the output is HRNet's stage-3 fused branch; the
    keys of the kept fuse layers are HRNet's, the other fuse outputs and
    stage 4 are the only unexpected keys."""
    extra = dict(EXTRA)
    extra['stage4'] = dict(num_modules=1, num_branches=4, block='BASIC',
                           num_blocks=(1, 1, 1, 1),
                           num_channels=(8, 16, 32, 64))
    full = MODELS.build(dict(type='HRNet', extra=extra))
    full.eval()  # mmpose's HRNet.train() returns None
    # non-trivial BN statistics so that every path matters
    for m in full.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    net = MODELS.build(dict(type='LightPoseHRNet', extra=EXTRA,
                            out_stride=stride)).eval()
    missing, unexpected = net.load_state_dict(full.state_dict(), strict=False)
    assert missing == []
    others = tuple(f'stage3.1.fuse_layers.{i}.' for i in range(3)
                   if i != branch)
    assert all(k.startswith(('stage4.', 'transition3.') + others)
               for k in unexpected)
    x = torch.randn(1, 3, 64, 48)
    with torch.no_grad():
        y = full.relu(full.norm1(full.conv1(x)))
        y = full.relu(full.norm2(full.conv2(y)))
        y = full.layer1(y)
        ys = full.stage2([t(y) if t is not None else y
                          for t in full.transition1])
        xs = [full.transition2[i](ys[-1]) if full.transition2[i] is not None
              else ys[i] for i in range(3)]
        ref = full.stage3(xs)[branch]
        out = net(x)[0]
    torch.testing.assert_close(out, ref)


def test_lightpose_w48_backbone_size():
    """One stage-3 module fused to 1/16: 5.46M (Table 6's 5.6M backbone
    includes the 1x1 conv to 256 and the heads, see the config tests)."""
    w48 = dict(
        stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK',
                    num_blocks=(4, ), num_channels=(64, )),
        stage2=dict(num_modules=1, num_branches=2, block='BASIC',
                    num_blocks=(4, 4), num_channels=(48, 96)),
        stage3=dict(num_modules=1, num_branches=3, block='BASIC',
                    num_blocks=(4, 4, 4), num_channels=(48, 96, 192)))
    net = MODELS.build(dict(type='LightPoseHRNet', extra=w48))
    assert sum(p.numel() for p in net.parameters()) == 5460960
    assert net.out_channels == 192


def test_rejects_bad_configs():
    with pytest.raises(ValueError, match='stage4'):
        MODELS.build(dict(type='LightPoseHRNet',
                          extra=dict(EXTRA, stage4=EXTRA['stage3'])))
    with pytest.raises(ValueError, match='out_stride'):
        MODELS.build(dict(type='LightPoseHRNet', extra=EXTRA, out_stride=2))
    with pytest.raises(ValueError, match='stage2'):
        MODELS.build(dict(type='LightPoseHRNet',
                          extra=dict(stage1=EXTRA['stage1'],
                                     stage3=EXTRA['stage3'])))
