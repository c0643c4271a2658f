"""Writing a model as a TorchScript (``model.ts``) or ONNX (``model.onnx``) file.

The model is traced on one sample image through detectron2's ``TracingAdapter``, as detectron2's own
``tools/deploy/export_model.py`` does, with an inference function that returns the task's fixed tuple of
tensors (``deployable.OUTPUT_NAMES``), so the file's outputs have names. Height and width are free: the traced
graph pads to the backbone's divisibility itself, as the model does. The file carries a small JSON description
(task, output names, input format) that ``ExportedModel`` reads back: in the ONNX model's ``metadata_props``, in
the TorchScript archive's extra files.

The file is written complete or not at all: it is built in memory, then written to a temporary file in the
output folder and renamed (``atomic_open``).
"""
import io
import json
import os
import re
import warnings
from contextlib import contextmanager
from functools import partial

import torch
from detectron2.export import TracingAdapter

from ..utils.atomic_write import atomic_open
from .deployable import OUTPUT_NAMES, deployable_model, run_traceable

FORMATS = ("torchscript", "onnx")
FILE_NAMES = {"torchscript": "model.ts", "onnx": "model.onnx"}
METADATA_KEY = "adakd_export"  # ONNX metadata_props key; TorchScript extra file "adakd_export.json"
ONNX_OPSET = 17


class ExportError(RuntimeError):
    """Tracing or conversion failed; the message names the part of the model that was running and why."""


@contextmanager
def _innermost_module(model):
    """Yields a list whose last item, after an exception, names the innermost submodule that was running."""
    stack, handles = [], []

    def enter(name):
        return lambda module, inputs: stack.append(f"{name} ({type(module).__name__})")

    def leave(module, inputs, output):
        stack.pop()

    for name, module in model.named_modules():
        handles.append(module.register_forward_pre_hook(enter(name or "model")))
        handles.append(module.register_forward_hook(leave))
    try:
        yield stack
    finally:
        for handle in handles:
            handle.remove()


def _module_holding_operator(adapter, model, error):
    """"<name> (<class>)" of the submodule whose traced code calls the operator that ``error`` names (the ONNX
    converter names the operator it has no conversion for, not where it is), or None."""
    operator = re.search(r"'(\w+::\w+)'", str(error))
    if not operator:
        return None
    try:
        graph = torch.jit.trace(adapter, adapter.flattened_inputs, check_trace=False).inlined_graph
    except Exception:  # the same trace ran a moment ago; should it fail now, the operator's name must do
        return None
    for node in graph.nodes():
        if node.kind() == operator.group(1):
            # Scopes read "__module.model/__module.model.head/__module.model.head.pool.2"; "model" is the adapter's.
            scope = node.scopeName().rsplit("/", 1)[-1].replace("__module.", "")
            name = scope[len("model."):] if scope.startswith("model.") else ""
            return f"{name or 'model'} ({type(model.get_submodule(name)).__name__})"
    return None


def _torchscript_bytes(adapter, metadata):
    traced = torch.jit.trace(adapter, adapter.flattened_inputs, check_trace=False)
    buffer = io.BytesIO()
    torch.jit.save(traced, buffer, _extra_files={f"{METADATA_KEY}.json": json.dumps(metadata)})
    return buffer.getvalue()


def _onnx_bytes(adapter, metadata, task):
    import onnx

    outputs = OUTPUT_NAMES[task]
    dynamic_axes = {"image": {1: "height", 2: "width"}}
    if task == "detection":
        dynamic_axes.update({name: {0: "detections"} for name in outputs})
    elif task == "sem_seg":
        dynamic_axes["sem_seg"] = {1: "height", 2: "width"}
    buffer = io.BytesIO()
    torch.onnx.export(adapter, adapter.flattened_inputs, buffer, dynamo=False, opset_version=ONNX_OPSET,
                      input_names=["image"], output_names=list(outputs), dynamic_axes=dynamic_axes)
    proto = onnx.load_from_string(buffer.getvalue())
    entry = proto.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, json.dumps(metadata)
    onnx.checker.check_model(proto)
    return proto.SerializeToString()


def export_model(model, image, fmt, output_dir, description=None):
    """Writes ``model`` (its student, for a distillation model) to ``output_dir/model.{ts,onnx}``.

    Args:
        model: a deployable model (``deployable.deployable_model``), in any mode; it is traced in eval mode.
        image: (C, H, W) sample image, in the model's input format, as the config's test mapper gives it.
        fmt: "torchscript" or "onnx".
        output_dir: created when absent; nothing is written there unless the export succeeds.
        description: extra JSON-able fields stored in the file's metadata (tools/export_model.py: the config,
            the weights and the mapper's ``input_format``).
    Returns:
        the path of the written file.
    Raises:
        NotExportableError: the model is none of the deployable kinds.
        ExportError: tracing or conversion failed (the message names the submodule that was running).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    task, model = deployable_model(model)
    was_training = model.training
    model.eval()
    image = torch.as_tensor(image).float().cpu()
    metadata = dict(description or {}, task=task, format=fmt, meta_architecture=type(model).__name__,
                    outputs=list(OUTPUT_NAMES[task]), sample_size=list(image.shape[-2:]))
    # eval(): a new module is in training mode, and the ONNX exporter puts the adapter (with the model in it)
    # back into the mode it found.
    adapter = TracingAdapter(model, image, inference_func=partial(run_traceable, task)).eval()
    try:
        with _innermost_module(model) as running, warnings.catch_warnings():
            # The tracer warns about every Python-side shape test of detectron2's code; detectron2 writes those
            # to be exact under tracing (dynamic top-k, padding), which the parity tests check.
            warnings.simplefilter("ignore")
            try:
                data = _torchscript_bytes(adapter, metadata) if fmt == "torchscript" else \
                    _onnx_bytes(adapter, metadata, task)
            except Exception as e:
                part = running[-1] if running else _module_holding_operator(adapter, model, e) or \
                    f"the conversion of the traced {type(model).__name__} graph"
                reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                raise ExportError(f"{fmt} export of {type(model).__name__} failed in {part}: "
                                  f"{type(e).__name__}: {reason}") from e
    finally:
        model.train(was_training)
    path = os.path.join(output_dir, FILE_NAMES[fmt])
    with atomic_open(path, "wb") as f:
        f.write(data)
    return path


def read_metadata(path):
    """The JSON description that ``export_model`` stored in ``path`` (.onnx or .ts)."""
    if path.endswith(".onnx"):
        import onnx

        props = {p.key: p.value for p in onnx.load(path, load_external_data=False).metadata_props}
        if METADATA_KEY not in props:
            raise ValueError(f"{path} was not written by adakd.deploy.export_model (no {METADATA_KEY!r} metadata)")
        return json.loads(props[METADATA_KEY])
    extra = {f"{METADATA_KEY}.json": ""}
    torch.jit.load(path, map_location="cpu", _extra_files=extra)
    if not extra[f"{METADATA_KEY}.json"]:
        raise ValueError(f"{path} was not written by adakd.deploy.export_model (no {METADATA_KEY}.json)")
    return json.loads(extra[f"{METADATA_KEY}.json"])
