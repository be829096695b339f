"""ONNX export of any project model's network, and ONNX Runtime inference
that decodes with the family's own code.

Export (:func:`export_onnx`): MMPose's ``tensor`` mode (the head's outputs
before decoding: heatmaps / offsets / coordinates / logits / response maps)
traced with torch's TorchScript-based exporter (``dynamo=False``), one
named input ``input`` ``(B, 3, H, W)`` (normalised as the model's data
preprocessor does), named outputs per family (:func:`output_spec`), a
dynamic batch axis. Training-only branches (TFPose's auxiliary heatmaps)
are never run in tensor mode, so they are not in the graph. mmcv's
``MultiScaleDeformableAttention`` has a CUDA kernel that cannot be exported;
export runs on the CPU, where it takes mmcv's PyTorch path (``grid_sample``),
and says so. A failing export raises :class:`OnnxExportError` naming the
model and the operator.

Inference (:func:`ort_predict`): the config's own test pipeline and data
preprocessor, ONNX Runtime instead of the network, then the head's own
``predict`` on the ONNX outputs (its forward replaced by the identity: the
codec / read-out / flip test / mapping to the image are the project's code,
not a copy) and the estimator's own ``add_pred_to_datasample``.
"""
import os.path as osp
import re
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

#: (output names, batch axis of each) per head class name
OUTPUT_SPECS: Dict[str, Tuple[Tuple[str, int], ...]] = {
    'HeatmapHead': (('heatmaps', 0), ),
    'OffsetHeatmapHead': (('heatmaps', 0), ('offsets', 0)),
    'HungarianKeypointHead': (('cls_logits', 1), ('coords', 1)),
    'TFPoseHead': (('coords', 1), ),
    'CAMPrototypeHead': (('response_maps', 0), ('presence_logits', 0)),
    'PRTREndToEndHead': (('person_scores', 0), ('boxes', 0),
                         ('crop_boxes', 0), ('kpt_logits', 0),
                         ('kpt_coords', 0)),
}


class OnnxExportError(RuntimeError):
    """Export failed; the message names the model and the operator."""


def output_spec(model: nn.Module) -> Tuple[Tuple[str, int], ...]:
    """Names and batch axes of a model's tensor-mode outputs."""
    head = type(getattr(model, 'head', None)).__name__
    if head == 'OffsetHeatmapHead' and not model.head.with_offset:
        return (('heatmaps', 0), )
    if head not in OUTPUT_SPECS:
        raise OnnxExportError(f'no ONNX output spec for the head {head}')
    return OUTPUT_SPECS[head]


class TensorMode(nn.Module):
    """``model(x, None, mode='tensor')`` as a flat tuple of tensors."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        out = self.model(x, None, mode='tensor')
        if isinstance(out, torch.Tensor):
            return (out, )
        if isinstance(out, (tuple, list)) and len(out) == 1 and \
                isinstance(out[0], (tuple, list)):
            out = out[0]
        flat = []
        for o in out:
            if o is None:  # LightPose without offsets: (heatmaps, None)
                continue
            flat.append(o)
        return tuple(flat)


def default_input_size(cfg) -> Tuple[int, int]:
    """``(w, h)`` to export at: a bottom-up config's
    ``complexity_input_size``, else the codec's / TopdownAffine's input
    size."""
    if cfg.get('complexity_input_size'):
        return tuple(cfg.complexity_input_size)
    head = cfg.model.get('head', {})
    codec = head.get('decoder') or cfg.get('codec')
    if codec and 'input_size' in codec:
        return tuple(codec['input_size'])
    for step in cfg.test_dataloader.dataset.pipeline:
        if 'input_size' in step:
            return tuple(step['input_size'])
    raise ValueError('cannot find the input size in the config')


def deformable_attention_modules(model: nn.Module) -> List[str]:
    """Names of mmcv ``MultiScaleDeformableAttention`` modules."""
    from mmcv.ops import MultiScaleDeformableAttention
    return [n for n, m in model.named_modules()
            if isinstance(m, MultiScaleDeformableAttention)]


def export_onnx(model: nn.Module,
                out_file: str,
                input_size: Tuple[int, int],
                batch: Optional[int] = None,
                opset: int = 17,
                model_name: str = 'model') -> Dict[str, object]:
    """Export ``model``'s tensor mode to ``out_file``.

    Args:
        model: an MMPose estimator (eval mode is set here).
        out_file (str): ``.onnx`` path.
        input_size (tuple[int, int]): ``(w, h)`` of the traced input.
        batch (int, optional): fixed batch size; None = dynamic axis.
        opset (int): ONNX opset (17; ``GridSample`` needs >= 16).
        model_name (str): used in messages.

    Returns:
        dict: ``inputs``, ``outputs`` (names), ``notes`` (messages about
        the PyTorch paths taken).
    """
    was_training = model.training
    model = model.cpu().eval()
    spec = output_spec(model)
    names = [n for n, _ in spec]
    notes = []
    deform = deformable_attention_modules(model)
    if deform:
        notes.append(
            f'{model_name}: {len(deform)} MultiScaleDeformableAttention '
            "module(s) exported through mmcv's PyTorch path (grid_sample); "
            'its CUDA kernel is not exportable')
    w, h = input_size
    dummy = torch.zeros(batch or 1, 3, h, w)
    dynamic_axes = None if batch else {
        'input': {0: 'batch'},
        **{n: {axis: 'batch'} for n, axis in spec}
    }
    # eval wrapper: torch's exporter restores the wrapper's own mode, which
    # for a new (training) module would switch the model to training
    wrapper = TensorMode(model).eval()
    with torch.no_grad():
        n_out = len(wrapper(dummy))
    if n_out != len(names):
        raise OnnxExportError(f'{model_name}: tensor mode gives {n_out} '
                              f'outputs, expected {names}')
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            torch.onnx.export(
                wrapper, (dummy, ), out_file, dynamo=False,
                input_names=['input'], output_names=names,
                dynamic_axes=dynamic_axes, opset_version=opset,
                do_constant_folding=True)
    except Exception as e:  # name the operator that failed
        msg = str(e)
        op = re.search(r"operator '?([\w:.]+)'?", msg)
        raise OnnxExportError(
            f'exporting {model_name} to ONNX (opset {opset}) failed'
            + (f' at operator {op.group(1)}' if op else '') +
            f': {type(e).__name__}: {msg.splitlines()[0] if msg else ""}'
        ) from e
    finally:
        model.train(was_training)
    return dict(inputs=['input'], outputs=names, notes=notes)


class OrtModel:
    """An ONNX Runtime session with the exported model's input layout."""

    def __init__(self, onnx_file: str, threads: Optional[int] = None):
        import onnxruntime as ort
        if not osp.isfile(onnx_file):
            raise FileNotFoundError(f'ONNX file not found: {onnx_file}')
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            onnx_file, opts, providers=['CPUExecutionProvider'])
        inp = self.session.get_inputs()[0]
        self.input_name = inp.name
        self.input_shape = inp.shape  # [batch, 3, h, w]
        self.output_names = [o.name for o in self.session.get_outputs()]

    @property
    def input_hw(self) -> Tuple[int, int]:
        return int(self.input_shape[2]), int(self.input_shape[3])

    def __call__(self, x: np.ndarray) -> List[np.ndarray]:
        return self.session.run(None, {self.input_name:
                                       np.ascontiguousarray(x, np.float32)})


def _fit(inputs: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
    """Zero-pad (bottom / right) or crop the preprocessed batch to the
    exported input size."""
    h, w = hw
    out = inputs.new_zeros(inputs.shape[0], inputs.shape[1], h, w)
    ih, iw = min(h, inputs.shape[2]), min(w, inputs.shape[3])
    out[:, :, :ih, :iw] = inputs[:, :, :ih, :iw]
    return out


def ort_predict(model, ort_model: OrtModel, img: np.ndarray,
                bboxes: Optional[np.ndarray] = None) -> list:
    """Predict with ONNX Runtime in place of the network.

    Args:
        model: the estimator built from the config (``init_model``; its
            weights are not used, only its pipeline, preprocessor, head
            decoding and test_cfg).
        ort_model (OrtModel): the exported network.
        img (np.ndarray): BGR image.
        bboxes (np.ndarray, optional): ``(N, 4)`` person boxes (top-down;
            the whole image if None); ignored for bottom-up models.

    Returns:
        list[PoseDataSample]: with ``pred_instances`` in image pixels, as
        ``inference_topdown`` / ``inference_bottomup`` return them.
    """
    from mmengine.dataset import Compose, pseudo_collate

    bottomup = model.cfg.get('data_mode', 'topdown') == 'bottomup'
    pipeline = Compose(model.cfg.test_dataloader.dataset.pipeline)
    infos = []
    if bottomup:
        info = dict(img=img)
        info.update(model.dataset_meta)
        infos.append(pipeline(info))
    else:
        h, w = img.shape[:2]
        if bboxes is None or len(bboxes) == 0:
            bboxes = np.array([[0, 0, w, h]], np.float32)
        for box in np.asarray(bboxes, np.float32).reshape(-1, 4):
            info = dict(img=img, bbox=box[None],
                        bbox_score=np.ones(1, np.float32))
            info.update(model.dataset_meta)
            infos.append(pipeline(info))
    batch = pseudo_collate(infos)
    with torch.no_grad():
        data = model.data_preprocessor(batch, False)
    inputs, samples = data['inputs'], data['data_samples']
    if bottomup:
        inputs = _fit(inputs, ort_model.input_hw)
        hw = ort_model.input_hw
        for s in samples:  # the exported graph saw an unpadded input
            s.set_metainfo(dict(batch_input_shape=hw))

    def run(x: torch.Tensor):
        outs = [torch.from_numpy(o) for o in ort_model(x.numpy())]
        return outs[0] if len(outs) == 1 else tuple(outs)

    head = model.head
    test_cfg = model.test_cfg
    flip = test_cfg.get('flip_test', False)
    feats = [run(inputs), run(inputs.flip(-1))] if flip else run(inputs)
    forward = head.forward
    head.forward = lambda f, *args: f  # decode the ONNX outputs
    try:
        preds = head.predict(feats, samples, test_cfg=test_cfg)
    finally:
        head.forward = forward
    fields = None
    if isinstance(preds, tuple):
        preds, fields = preds
    return model.add_pred_to_datasample(preds, fields, samples)


def max_relative_error(torch_outs: Sequence[torch.Tensor],
                       ort_outs: Sequence[np.ndarray]) -> List[float]:
    """Per output: ``max |a - b| / max(max |a|, 1e-6)``."""
    errs = []
    for a, b in zip(torch_outs, ort_outs):
        a = a.detach().cpu().numpy()
        scale = max(float(np.abs(a).max()), 1e-6)
        errs.append(float(np.abs(a - b).max()) / scale)
    return errs
