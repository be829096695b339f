"""demo/demo_inputs.py: every demo refuses an unusable image or person box
with a message naming the problem (never a raw ``cv2.error``, a black crop or
NaN keypoints)."""
import importlib
import os.path as osp
import sys

import cv2
import numpy as np
import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'demo'))
import demo_inputs  # noqa: E402

IMG_SHAPE = (120, 100, 3)  # H, W


@pytest.mark.parametrize('box, match', [
    ([np.nan, 0, 50, 50], 'not finite'),
    ([0, 0, np.inf, 50], 'not finite'),
    ([0, -np.inf, 50, 50], 'not finite'),
    ([0, 0, 1e39, 50], 'beyond the float32 range'),
    ([10, 10, 5, 20], 'degenerate'),  # x2 < x1
    ([10, 10, 10, 20], 'degenerate'),  # zero width
    ([10, 10, 10.5, 20], 'degenerate'),  # under a pixel
    ([10, 10, 20, 10.2], 'degenerate'),
    ([100, 0, 150, 50], 'entirely outside'),  # x1 at the right edge
    ([0, 130, 50, 180], 'entirely outside'),  # below
    ([-60, 0, -10, 50], 'entirely outside'),  # left
    ([0, -50, 50, 0], 'entirely outside'),  # above (ends at y = 0)
    ([0, 0, 50], 'four numbers'),
    (['a', 0, 50, 50], 'four numbers'),
    (None, 'four numbers'),
])
def test_check_box_refuses(box, match):
    with pytest.raises(ValueError, match=match):
        demo_inputs.check_box(box, IMG_SHAPE)


def test_check_box_accepts():
    box = demo_inputs.check_box([10, 20, 60.5, 90], IMG_SHAPE)
    assert box.dtype == np.float32 and box.shape == (4, )
    np.testing.assert_array_equal(box, [10, 20, 60.5, 90])
    # partly outside is a normal top-down crop (padding fills the rest)
    demo_inputs.check_box([-30, -30, 10, 10], IMG_SHAPE)
    demo_inputs.check_box([90, 110, 400, 400], IMG_SHAPE)
    demo_inputs.check_box([0, 0, 1, 1], IMG_SHAPE)


def test_prepare_crop_refuses_a_bad_box():
    """The inference entry shared by the demos checks the box itself (the
    model is never reached)."""
    img = np.zeros(IMG_SHAPE, np.uint8)
    for box in ([np.nan, 0, 50, 50], [10, 10, 10, 20], [200, 0, 300, 50]):
        with pytest.raises(ValueError, match='person box'):
            demo_inputs.prepare_crop(None, img, np.array(box, np.float32))


@pytest.fixture
def files(tmp_path):
    paths = dict(config=tmp_path / 'cfg.py', checkpoint=tmp_path / 'm.pth',
                 image=tmp_path / 'img.png', empty=tmp_path / 'empty.jpg',
                 text=tmp_path / 'notes.jpg')
    paths['config'].write_text('x = 1')
    paths['checkpoint'].write_bytes(b'\0')
    cv2.imwrite(str(paths['image']), np.full(IMG_SHAPE, 90, np.uint8))
    paths['empty'].write_bytes(b'')
    paths['text'].write_text('not an image')
    return {k: str(v) for k, v in paths.items()}


def test_load_image_and_box(files):
    img, box = demo_inputs.load_image_and_box(
        files['image'], files['config'], files['checkpoint'], None)
    assert img.shape == IMG_SHAPE
    np.testing.assert_array_equal(box, [0, 0, 100, 120])
    _, box = demo_inputs.load_image_and_box(
        files['image'], files['config'], files['checkpoint'], [1, 2, 30, 40])
    np.testing.assert_array_equal(box, [1, 2, 30, 40])


@pytest.mark.parametrize('image, bbox, match', [
    ('empty', None, 'image file is empty: .*empty.jpg'),
    ('text', None, 'cannot read image .*notes.jpg'),
    ('image', [np.nan, 0, 50, 50], '--bbox nan 0 50 50 is not finite'),
    ('image', [0, 0, 50, np.inf], '--bbox .* is not finite'),
    ('image', [200, 0, 300, 50], '--bbox .* entirely outside the image '
     r'\(width 100, height 120\)'),
    ('image', [10, 10, 5, 20], 'degenerate --bbox'),
])
def test_load_image_and_box_refuses(files, image, bbox, match):
    with pytest.raises(SystemExit, match=match):
        demo_inputs.load_image_and_box(files[image], files['config'],
                                       files['checkpoint'], bbox)


@pytest.mark.parametrize('module, out', [
    ('transpose_dependency', '--out'), ('prtr_queries', '--out-dir'),
    ('tfpose_queries', '--out-dir')])
@pytest.mark.parametrize('bbox, match', [
    (['nan', '0', '50', '50'], 'not finite'),
    (['inf', '0', '50', '50'], 'not finite'),
    (['200', '0', '300', '50'], 'entirely outside'),
])
def test_demo_clis_refuse_a_bad_bbox(files, tmp_path, module, out, bbox,
                                     match):
    """Each demo with a --bbox stops before loading the model."""
    demo = importlib.import_module(module)
    with pytest.raises(SystemExit, match=match):
        demo.main([files['image'], '--config', files['config'],
                   '--checkpoint', files['checkpoint'], out,
                   str(tmp_path / 'out'), '--bbox'] + bbox)
    assert not (tmp_path / 'out').exists()


def test_end_to_end_demo_refuses_an_empty_image(files, tmp_path):
    demo = importlib.import_module('prtr_end_to_end')
    with pytest.raises(SystemExit, match='image file is empty'):
        demo.main([files['empty'], '--config', files['config'],
                   '--checkpoint', files['checkpoint'], '--out',
                   str(tmp_path / 'out.png')])
