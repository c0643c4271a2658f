"""Deploying a trained model: export to TorchScript or ONNX, and run the file like the model it came from.

    from adakd.deploy import build_deployable, export_model, ExportedModel
    task, model = build_deployable(cfg.model, "zoo://shapes_gfl_r18_adaptive")   # a distillation config: its student
    path = export_model(model, image, "onnx", "output/export")                    # output/export/model.onnx
    outputs = ExportedModel(path)([{"image": image}])                             # [{"instances": ...}]

onnx and onnxruntime are imported only by the functions that write or run ONNX files.
"""
from .deployable import OUTPUT_NAMES, NotExportableError, deployable_model
from .export import FILE_NAMES, FORMATS, ExportError, export_model, read_metadata
from .exported_model import ExportedModel
from .loading import StudentCheckpointer, build_deployable
from .parity import detection_differences, match_detections, output_differences

__all__ = [
    "ExportError", "ExportedModel", "FILE_NAMES", "FORMATS", "NotExportableError", "OUTPUT_NAMES",
    "StudentCheckpointer", "build_deployable", "deployable_model", "detection_differences", "export_model",
    "match_detections", "output_differences", "read_metadata",
]
