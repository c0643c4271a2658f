"""Which models can be deployed, and what their exported file computes.

A deployable model is one of three detectron2 kinds, each traced on one image (C, H, W), float32, in the
channel order of the config's test mapper, already resized by it:

- ``detection``: a DenseDetector (GFL, RetinaNet): pre-processing (normalisation, padding to the backbone's
  divisibility), backbone, head, box decoding, score threshold, top-k and NMS, as detectron2 runs them; outputs
  ``boxes`` (N, 4) XYXY in the input image's pixels, ``scores`` (N,), ``classes`` (N,) int64.
- ``sem_seg``: a SemanticSegmentor (Semantic FPN): outputs ``sem_seg`` (K, H, W), per-pixel logits at the input's size.
- ``classification``: an ImageClassifier: outputs ``logits`` (K,).

A distillation model (DistilledModel) deploys its student alone: the teacher never enters the exported file.
"""
from detectron2.modeling.meta_arch import SemanticSegmentor
from detectron2.modeling.meta_arch.dense_detector import DenseDetector
from torch import nn

from ..modeling.meta_arch import DistilledModel, ImageClassifier

OUTPUT_NAMES = {
    "detection": ("boxes", "scores", "classes"),
    "sem_seg": ("sem_seg",),
    "classification": ("logits",),
}
_KINDS = ((DenseDetector, "detection"), (SemanticSegmentor, "sem_seg"), (ImageClassifier, "classification"))
SUPPORTED = "a dense detector (GFL, RetinaNet), a SemanticSegmentor or an ImageClassifier"


class NotExportableError(TypeError):
    """A model, or a part of it, that the export cannot turn into a file; the message names it and says why."""


def deployable_model(model: nn.Module):
    """(task, model to export): the student of a distillation model, the model itself otherwise.

    Raises NotExportableError naming the class when the model is none of the deployable kinds."""
    if isinstance(model, DistilledModel) or hasattr(model, "distiller"):
        if not isinstance(getattr(model, "student", None), nn.Module):
            raise NotExportableError(f"{type(model).__name__}: a distillation model without a student module; "
                                     "only the student of a distillation model is exported")
        model = model.student
    for cls, task in _KINDS:
        if isinstance(model, cls):
            return task, model
    name = type(model).__name__
    raise NotExportableError(
        f"{name} cannot be exported: adakd.deploy turns the outputs of {SUPPORTED} into fixed tensors, not those "
        f"of {name}"
    )


def run_traceable(task, model, image):
    """The model's outputs on one image as the tuple of OUTPUT_NAMES[task] (what the exported file returns)."""
    output = model([{"image": image}])[0]
    if task == "detection":
        instances = output["instances"]
        return instances.pred_boxes.tensor, instances.scores, instances.pred_classes
    if task == "sem_seg":
        return (output["sem_seg"],)
    return (output["logits"],)
