"""adakd.deploy and tools/export_model.py: the shipped shapes students exported to ONNX (run in onnxruntime) and
TorchScript give the PyTorch model's outputs; a distillation checkpoint exports its student alone; bad inputs are
one error line and leave --output empty. The expected outputs are the PyTorch model's own on the same images."""
import importlib.util
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.data import DatasetCatalog
from detectron2.data.detection_utils import read_image
from torch import nn

from adakd import model_zoo
from adakd.checkpoint.atomic_checkpointer import AtomicCheckpointer
from adakd.deploy import (ExportedModel, ExportError, NotExportableError, build_deployable, detection_differences,
                          export_model, match_detections, output_differences)
from adakd.model_zoo.readme_table import export_commands

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = os.path.join(ROOT, "projects", "AdaptiveKD", "configs")
FORMATS = ("onnx", "torchscript")
# The parity bounds: detections after matching, segmentation logits, classifier logits.
BOX_TOLERANCE_PX, SCORE_TOLERANCE, SEG_TOLERANCE, CLS_TOLERANCE = 1e-3, 1e-4, 1e-4, 1e-5
STUDENTS = ["shapes_gfl_r18_student", "shapes_gfl_r18_adaptive", "shapes_semantic_fpn_r18_student",
            "shapes_semantic_fpn_r18_adaptive", "shapes_cls_r18_student", "shapes_cls_r18_adaptive"]


def export_tool():
    spec = importlib.util.spec_from_file_location("export_model", os.path.join(ROOT, "tools/export_model.py"))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def tool_error(*args):
    """The tool's one-line error, run in this process: main ends with SystemExit carrying the message."""
    with pytest.raises(SystemExit) as exit_info:
        export_tool().main([str(a) for a in args])
    message = exit_info.value.code
    assert isinstance(message, str) and "\n" not in message, message
    return message


def files_under(folder):
    return [os.path.join(d, f) for d, _, files in os.walk(folder) for f in files] if os.path.exists(folder) else []


@pytest.fixture(scope="module")
def shapes_images(tiny_shapes):
    """Three val images of the tiny shapes set (128 px, BGR as the shapes mapper reads them) and a 100×120 crop of
    the first, which the backbone pads to its divisibility."""
    images = [torch.as_tensor(read_image(d["file_name"], format="BGR").transpose(2, 0, 1).astype("float32"))
              for d in DatasetCatalog.get("tiny_shapes_val")[:3]]
    return images + [images[0][:, 10:110, 4:124].contiguous()]


@pytest.fixture(scope="module")
def classification_images(tmp_path_factory):
    """Three shapes_cls test images (32 px, RGB as the classifier's mapper reads them)."""
    from adakd.data.cifar import load_cifar
    from adakd.data.shapes_classification import ShapesClassificationSpec, ensure_shapes_classification

    folder = ensure_shapes_classification(str(tmp_path_factory.mktemp("cls") / "shapes_cls"),
                                          ShapesClassificationSpec(num_train=1, num_test=3))
    return [torch.as_tensor(d["image"].transpose(2, 0, 1).astype("float32").copy())
            for d in load_cifar(folder, "shapes_cls", "test")]


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """entry -> (task, PyTorch model, {format: ExportedModel}), exported once per module."""
    cache = {}

    def get(entry):
        if entry not in cache:
            task, model = build_deployable(model_zoo.get_config(entry).model, model_zoo.get_checkpoint(entry))
            # Traced on noise: the parity images below are not the trace's.
            size = (32, 32) if task == "classification" else (128, 128)
            sample = 255 * torch.rand(3, *size, generator=torch.Generator().manual_seed(0))
            folder = tmp_path_factory.mktemp(entry)
            cache[entry] = task, model, {fmt: ExportedModel(export_model(model, sample, fmt, str(folder / fmt)))
                                         for fmt in FORMATS}
        return cache[entry]

    return get


def reference(task, model, image, **sizes):
    with torch.no_grad():
        output = model([{"image": image, **sizes}])[0]
    if task == "detection":
        instances = output["instances"]
        return {"boxes": instances.pred_boxes.tensor, "scores": instances.scores, "classes": instances.pred_classes}
    return output


# ------------------------------------------------------------------------------------------------- matching
def test_matching_pairs_detections_that_nms_put_in_another_order():
    """Three detections; the other run lists them as 2, 0, 1 with boxes 2^-10 px and scores 2^-20 off (exact in
    float32 at these magnitudes). Detections 0 and 2 share a box (one location, two classes), so class and score
    decide their pairing."""
    boxes = torch.tensor([[10.0, 10.0, 50.0, 40.0], [60.0, 5.0, 90.0, 30.0], [10.0, 10.0, 50.0, 40.0]])
    reference = {"boxes": boxes, "scores": torch.tensor([0.9, 0.8, 0.3]), "classes": torch.tensor([1, 4, 2])}
    order = torch.tensor([2, 0, 1])
    other = {"boxes": boxes[order] + 2**-10, "scores": reference["scores"][order] - 2**-20,
             "classes": reference["classes"][order]}
    rows, columns = match_detections(reference, other)
    assert dict(zip(rows.tolist(), columns.tolist())) == {0: 1, 1: 2, 2: 0}
    d = detection_differences(reference, other)
    assert d["count"] == (3, 3) and d["class_mismatches"] == 0
    assert (d["boxes"], d["scores"]) == (2**-10, 2**-20)
    # A detection whose class changed is a mismatch, not silently paired with another of its class.
    other["classes"] = torch.tensor([2, 3, 4])
    assert detection_differences(reference, other)["class_mismatches"] == 1


# -------------------------------------------------------------------------------------------------- parity
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("entry", STUDENTS)
def test_exported_student_gives_the_pytorch_outputs(entry, fmt, deployed, shapes_images, classification_images):
    task, model, exported = deployed(entry)
    images = classification_images if task == "classification" else shapes_images
    for image in images:
        expected = reference(task, model, image)
        d = output_differences(task, expected, exported[fmt].run(image))
        if task == "detection":
            assert d["count"][0] > 0 and d["count"][0] == d["count"][1], d
            assert d["boxes"] <= BOX_TOLERANCE_PX and d["scores"] <= SCORE_TOLERANCE, d
            assert d["class_mismatches"] == 0, d
        elif task == "sem_seg":
            assert d["shape"][1] == (7, *image.shape[-2:]) and d["sem_seg"] <= SEG_TOLERANCE, d
        else:
            assert d["shape"][1] == (6,) and d["logits"] <= CLS_TOLERANCE, d


@pytest.mark.parametrize("entry", ["shapes_gfl_r18_adaptive", "shapes_semantic_fpn_r18_adaptive"])
def test_exported_model_resizes_outputs_to_the_requested_size_as_detectron2(entry, deployed, shapes_images):
    """detectron2 models return boxes / logits at each input's ``height`` × ``width`` (the image before the test
    mapper resized it); ExportedModel does the same after the file's fixed part."""
    task, model, exported = deployed(entry)
    image, sizes = shapes_images[1], {"height": 200, "width": 160}
    expected = reference(task, model, image, **sizes)
    output = exported["onnx"]([{"image": image, **sizes}])[0]
    if task == "detection":
        instances = output["instances"]
        assert instances.image_size == (200, 160)
        d = detection_differences(expected, {"boxes": instances.pred_boxes.tensor, "scores": instances.scores,
                                             "classes": instances.pred_classes})
        assert d["count"][0] == d["count"][1] and d["boxes"] <= 2 * BOX_TOLERANCE_PX and d["class_mismatches"] == 0
        assert float(expected["boxes"][:, 2].max()) > 128  # really rescaled (x from 128 to 160 px)
    else:
        assert output["sem_seg"].shape == (7, 200, 160)
        assert float((output["sem_seg"] - expected["sem_seg"]).abs().max()) <= SEG_TOLERANCE


# ------------------------------------------------------------------------------------------- distillation
def test_a_distillation_checkpoint_exports_its_student_alone(tmp_path, shapes_images):
    """The distillation model as training writes it (student, teacher, adapters, learned weights), its student
    holding the shipped student's weights: the exported file holds the student's parameters only and gives the
    plain student's outputs."""
    cfg = LazyConfig.load(os.path.join(CONFIGS, "shapes_adaptive.py"))
    distilled = instantiate(cfg.model)
    AtomicCheckpointer(distilled).load(model_zoo.get_checkpoint("shapes_gfl_r18_student"))  # goes to the student
    checkpoint = str(tmp_path / "model_final.pth")
    torch.save({"model": distilled.state_dict(), "iteration": 1400}, checkpoint)
    teacher_parameters = sum(p.numel() for p in distilled.teacher.parameters())
    # Parameters and every buffer, also those not saved in checkpoints (pixel mean / std, cell anchors).
    student_tensors = {**dict(distilled.student.named_parameters()), **dict(distilled.student.named_buffers())}
    del distilled

    for fmt in FORMATS:
        out = tmp_path / fmt
        export_tool().main(["--config-file", os.path.join(CONFIGS, "shapes_adaptive.py"), "--format", fmt,
                            "--output", str(out), "--sample-image", _png(tmp_path, shapes_images[0]),
                            f"train.init_checkpoint={checkpoint}"])
        path = str(out / ("model.onnx" if fmt == "onnx" else "model.ts"))
        if fmt == "torchscript":
            # Every tensor of the traced module is a student's, under the adapter's "model." prefix.
            assert set(torch.jit.load(path).state_dict()) == {f"model.{k}" for k in student_tensors}
        else:
            import onnx

            stored = sum(int(np.prod(t.dims)) for t in onnx.load(path).graph.initializer)
            # The converter folds BN into the convolutions: at most the student's tensors, far below the teacher's.
            assert stored <= sum(v.numel() for v in student_tensors.values()) < teacher_parameters
        plain = build_deployable(model_zoo.get_config("shapes_gfl_r18_student").model,
                                 model_zoo.get_checkpoint("shapes_gfl_r18_student"))[1]
        d = output_differences("detection", reference("detection", plain, shapes_images[2]),
                               ExportedModel(path).run(shapes_images[2]))
        assert d["count"][0] == d["count"][1] > 0 and d["boxes"] <= BOX_TOLERANCE_PX and d["scores"] <= SCORE_TOLERANCE


def _png(folder, image):
    path = str(folder / "sample.png")
    cv2.imwrite(path, image.numpy().transpose(1, 2, 0).astype(np.uint8))  # BGR, as cv2 writes
    return path


# ---------------------------------------------------------------------------------------------- bad inputs
def test_unknown_format_is_refused_by_the_parser(tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        export_tool().main(["--zoo", "shapes_cls_r18_student", "--format", "tflite", "--output", str(out)])
    assert exit_info.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "error: argument --format: invalid choice: 'tflite'" in last and "onnx" in last and "torchscript" in last
    assert files_under(out) == []


def test_missing_sample_image_is_named(tmp_path):
    out, missing = tmp_path / "out", tmp_path / "nowhere.png"
    assert tool_error("--zoo", "shapes_gfl_r18_student", "--format", "onnx", "--output", out,
                      "--sample-image", missing) == f"error: sample image {str(missing)!r} does not exist"
    assert files_under(out) == []


def _config(tmp_path, model_lines):
    """A config file: the shapes student's data and schedule, the given model."""
    path = tmp_path / "config.py"
    path.write_text("\n".join([
        "from detectron2.config import LazyCall as L, LazyConfig",
        f"_base = LazyConfig.load({os.path.join(CONFIGS, 'shapes_student.py')!r})",
        "dataloader, train = _base.dataloader, _base.train",
        *model_lines,
        "train.init_checkpoint = 'zoo://shapes_gfl_r18_student'",
    ]))
    return path


@pytest.mark.parametrize("model_lines, message", [
    (["from detectron2 import model_zoo", "model = model_zoo.get_config('common/models/mask_rcnn_fpn.py').model"],
     "error: GeneralizedRCNN cannot be exported: adakd.deploy turns the outputs of a dense detector (GFL, "
     "RetinaNet), a SemanticSegmentor or an ImageClassifier into fixed tensors, not those of GeneralizedRCNN"),
    (["from adakd.modeling.meta_arch import DistillGFL", "model = L(DistillGFL)(teacher=None, paths=[])"],
     "error: model (DistillGFL): a distillation config without model.student; only the student of a "
     "distillation model is exported"),
], ids=["two-stage detector", "distillation without student"])
def test_a_model_that_cannot_be_exported_is_named(tmp_path, model_lines, message):
    out = tmp_path / "out"
    assert tool_error("--config-file", _config(tmp_path, model_lines), "--format", "onnx", "--output", out) == message
    assert files_under(out) == []


def test_missing_weights_are_named(tmp_path):
    out, missing = tmp_path / "out", tmp_path / "nowhere.pth"
    assert tool_error("--config-file", os.path.join(CONFIGS, "shapes_student.py"), "--format", "torchscript",
                      "--output", out, f"train.init_checkpoint={missing}") == f"error: Checkpoint {missing} not found"
    assert files_under(out) == []


def test_an_operator_onnx_cannot_convert_is_located_and_nothing_is_written(tmp_path, classification_images):
    """A part without an ONNX conversion: the error names the submodule that calls it and the operator."""

    class ScaledByErfcx(nn.Module):  # erfcx(0) = 1: the outputs are unchanged, only the operator is new
        def forward(self, x):
            return x * torch.special.erfcx(torch.zeros_like(x))

    model = build_deployable(model_zoo.get_config("shapes_cls_r18_student").model,
                             model_zoo.get_checkpoint("shapes_cls_r18_student"))[1]
    model.head.pool.append(ScaledByErfcx())
    with pytest.raises(ExportError) as error:
        export_model(model, classification_images[0], "onnx", str(tmp_path / "out"))
    assert str(error.value).startswith("onnx export of ImageClassifier failed in head.pool.2 (ScaledByErfcx): ")
    assert "aten::special_erfcx" in str(error.value)
    assert files_under(tmp_path / "out") == []
    with pytest.raises(NotExportableError, match="Sequential cannot be exported"):
        export_model(model.head.pool, classification_images[0], "onnx", str(tmp_path / "out"))


# ---------------------------------------------------------------------------------------------- end to end
def test_export_tool_end_to_end(tmp_path, shapes_images):
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "tools/export_model.py", "--zoo", "shapes_gfl_r18_adaptive", "--format", "onnx",
         "--output", str(out), "--sample-image", _png(tmp_path, shapes_images[1])],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    size = os.path.getsize(out / "model.onnx") / 1e6
    assert lines[0] == f"onnx file: {out / 'model.onnx'} ({size:.2f} MB), detection, GFL, input (3, H, W) BGR"
    assert lines[1].startswith(f"exported vs PyTorch on {tmp_path / 'sample.png'} (3×128×128): ")
    assert lines[1].endswith("classes identical") and len(lines) == 2
    assert sorted(os.listdir(out)) == ["model.onnx"]
    metadata = ExportedModel(str(out / "model.onnx")).metadata
    assert metadata["task"] == "detection" and metadata["outputs"] == ["boxes", "scores", "classes"]
    assert metadata["config"] == "shapes_gfl_r18_adaptive" and metadata["input_format"] == "BGR"


def test_zoo_table_export_commands_run_the_tool_on_trained_deployable_entries():
    parser = export_tool().argument_parser()
    for entry in model_zoo.list_entries():
        commands = export_commands(entry)
        deployable = entry["status"] == "trained" and entry["task"] != "pretraining"
        assert len(commands) == (2 if deployable else 0), entry["name"]
        for command, fmt in zip(commands, ("onnx", "torchscript")):
            args = parser.parse_args(command.split()[1:])
            assert (args.zoo, args.format, args.run_eval) == (entry["name"], fmt, False)


# --------------------------------------------------------------------------------------- whole val splits
@pytest.mark.slow
@pytest.mark.parametrize("entry, fmt", [("shapes_gfl_r18_adaptive", "onnx"), ("shapes_gfl_r18_adaptive", "torchscript"),
                                        ("shapes_semantic_fpn_r18_adaptive", "onnx"),
                                        ("shapes_cls_r18_adaptive", "onnx")])
def test_run_eval_of_the_exported_file_reproduces_the_zoo_entry(entry, fmt, tmp_path):
    result = subprocess.run([sys.executable, "tools/export_model.py", "--zoo", entry, "--format", fmt,
                             "--output", str(tmp_path), "--run-eval"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    with open(tmp_path / "eval_results.json") as f:
        measured = json.load(f)
    expected = model_zoo.get_entry(entry)["metrics"]
    for key, value in expected.items():
        task, metric = key.split("/", 1)
        assert abs(measured[task][metric] - value) <= 0.1, (key, measured[task][metric], value)
