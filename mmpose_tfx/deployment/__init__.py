"""Deployment: ONNX export and ONNX Runtime inference of project models."""
from .onnx import (OnnxExportError, OrtModel, TensorMode, default_input_size,
                   export_onnx, max_relative_error, ort_predict,
                   output_spec)

__all__ = [
    'OnnxExportError', 'OrtModel', 'TensorMode', 'default_input_size',
    'export_onnx',
    'max_relative_error', 'ort_predict', 'output_spec'
]
