"""The model to deploy from a LazyConfig's ``model`` and its weights.

For a distillation config only the student is built (the teacher and its weights are neither built nor
needed), and a distillation checkpoint gives it its ``student.*`` weights; the distiller's (teacher, adapters,
aggregator) are left out. A plain student config takes either a student checkpoint or a distillation one.
"""
from detectron2.config import instantiate
from detectron2.utils.registry import locate

from ..checkpoint.atomic_checkpointer import AtomicCheckpointer
from ..engine.lazy_train import check_no_missing_weights
from ..modeling.meta_arch import DistilledModel
from .deployable import NotExportableError, deployable_model

STUDENT_PREFIX = "student."


class StudentCheckpointer(AtomicCheckpointer):
    """Loads a checkpoint into a plain model; a distillation checkpoint contributes its ``student.*`` weights."""

    def _load_model(self, checkpoint):
        weights = checkpoint.get("model")
        if isinstance(weights, dict) and any(k.startswith(STUDENT_PREFIX) for k in weights):
            checkpoint["model"] = {k[len(STUDENT_PREFIX):]: v for k, v in weights.items()
                                   if k.startswith(STUDENT_PREFIX)}
        return super()._load_model(checkpoint)


def _target(model_cfg):
    target = model_cfg.get("_target_") if hasattr(model_cfg, "get") else None
    return locate(target) if isinstance(target, str) else target


def build_deployable(model_cfg, weights, allow_missing=False):
    """(task, model in eval mode with ``weights`` loaded) for a config's ``model``.

    Raises NotExportableError (not a deployable kind, or a distillation config without a student),
    CheckpointLoadError (weights not found or unreadable), MissingWeightsError (weights that leave parameters
    of the exported model missing, unless ``allow_missing``).
    """
    target = _target(model_cfg)
    if isinstance(target, type) and issubclass(target, DistilledModel):
        if "student" not in model_cfg:
            raise NotExportableError(f"model ({target.__name__}): a distillation config without model.student; "
                                     "only the student of a distillation model is exported")
        model_cfg = model_cfg.student
    model = instantiate(model_cfg)
    task, model = deployable_model(model)  # before loading: a model that cannot be exported needs no weights
    checkpointer = StudentCheckpointer(model)
    checkpointer.load(weights)
    if not allow_missing:
        check_no_missing_weights(checkpointer.incompatible_keys, type(model).__name__, weights)
    return task, model.eval()
