"""detectron2's DetectionCheckpointer with crash-safe writes and, for distillation models, the student alone.

- Each checkpoint and ``last_checkpoint`` is written to a temporary file in the same folder and renamed over
  the target, so a process killed while saving leaves the previous checkpoint and tag intact (only a
  ``.<name>.*.tmp`` file, which ``remove_incomplete_saves`` deletes).
- A model with ``student_state_dict()`` (the distillation meta-architectures) also gets ``<name>_student.pth``
  next to every checkpoint: ``{"model": student weights}``, which loads strictly into the plain student config.
- A plain student checkpoint loaded into a distillation model (``train.init_checkpoint`` of a distillation
  config: a pretrained or previously trained student, e.g. ``zoo://shapes_gfl_r18_student``) goes to its
  student: its keys are prefixed ``student.``. Without this, detectron2 would only warn that every
  ``student.*`` parameter is missing and train the student from its random initialisation.
- ``incompatible_keys`` keeps what the last ``load`` could not match (missing, unexpected, wrong shape).
- A checkpoint that cannot be fetched, found or read raises ``CheckpointLoadError`` naming it (detectron2 would
  assert, or let urllib / torch raise without the file's name).
"""
import glob
import os
from urllib.parse import urlparse

import torch
from detectron2.checkpoint import DetectionCheckpointer
from torch.nn.parallel import DistributedDataParallel

from ..utils.atomic_write import atomic_open

STUDENT_SUFFIX = "_student"


def student_checkpoint_path(checkpoint_path):
    """``.../model_final.pth`` → ``.../model_final_student.pth``."""
    root, ext = os.path.splitext(checkpoint_path)
    return f"{root}{STUDENT_SUFFIX}{ext}"


class CheckpointLoadError(RuntimeError):
    """A checkpoint that cannot be fetched, found or read; the message names it."""


class AtomicCheckpointer(DetectionCheckpointer):
    incompatible_keys = None

    def _is_local(self):
        return bool(self.save_dir) and "://" not in self.save_dir

    def _bare_model(self):
        return self.model.module if isinstance(self.model, DistributedDataParallel) else self.model

    def save(self, name, **kwargs):
        if not self.save_dir or not self.save_to_disk:
            return
        if not self._is_local():  # iopath backends without rename: detectron2's plain write
            return super().save(name, **kwargs)
        data = {"model": self.model.state_dict()}
        for key, obj in self.checkpointables.items():
            data[key] = obj.state_dict()
        data.update(kwargs)
        save_file = os.path.join(self.save_dir, f"{name}.pth")
        self.logger.info(f"Saving checkpoint to {save_file}")
        with atomic_open(save_file, "wb", fsync=True) as f:
            torch.save(data, f)
        model = self._bare_model()
        if hasattr(model, "student_state_dict"):
            with atomic_open(student_checkpoint_path(save_file), "wb", fsync=True) as f:
                torch.save({"model": model.student_state_dict()}, f)
        self.tag_last_checkpoint(os.path.basename(save_file))

    def tag_last_checkpoint(self, last_filename_basename):
        if not self._is_local():
            return super().tag_last_checkpoint(last_filename_basename)
        with atomic_open(os.path.join(self.save_dir, "last_checkpoint"), "w", fsync=True) as f:
            f.write(last_filename_basename)

    def remove_orphaned_students(self):
        """Deletes ``<name>_student.pth`` files whose checkpoint is gone (rotated out by ``max_to_keep``)."""
        if not self._is_local() or not self.save_to_disk:
            return
        for student in glob.glob(os.path.join(self.save_dir, f"*{STUDENT_SUFFIX}.pth")):
            if not os.path.exists(student[: -len(f"{STUDENT_SUFFIX}.pth")] + ".pth"):
                os.remove(student)

    def remove_incomplete_saves(self):
        """Deletes the temporary files of saves that a killed process never finished; returns their paths."""
        if not self._is_local() or not self.save_to_disk:
            return []
        leftovers = [p for p in glob.glob(os.path.join(self.save_dir, ".*.tmp"))
                     if os.path.basename(p).startswith((".last_checkpoint.", ".model_"))]
        for path in leftovers:
            os.remove(path)
        return leftovers

    def load(self, path, *args, **kwargs):
        if path and not os.path.isfile(path):
            try:
                local = self.path_manager.get_local_path(urlparse(path)._replace(query="").geturl())
            except Exception as e:  # urllib, iopath and zoo:// raise various errors
                reason = e.args[0] if isinstance(e, KeyError) and e.args else e
                raise CheckpointLoadError(f"Checkpoint {path} could not be fetched: {reason}") from e
            # Under DDP, detectron2 only needs the main worker to have the file, and says so if it has not.
            if not os.path.isfile(local) and not isinstance(self.model, DistributedDataParallel):
                raise CheckpointLoadError(f"Checkpoint {path} not found" + (f" ({local})" if local != path else ""))
        try:
            return super().load(path, *args, **kwargs)
        finally:
            self._parsed_url_during_load = None  # detectron2 resets it only on success: a later load would assert

    def _load_file(self, filename):
        try:
            return super()._load_file(filename)
        except Exception as e:  # torch.load / pickle: RuntimeError, EOFError, UnpicklingError, ...
            raise CheckpointLoadError(
                f"Checkpoint {filename} is unreadable (truncated, corrupt or not a checkpoint): "
                f"{type(e).__name__}: {e}"
            ) from e

    def _load_model(self, checkpoint):
        model = self._bare_model()
        weights = checkpoint.get("model")
        # Checkpoints with matching heuristics (converted torchvision / caffe2 .pkl files) are matched by key
        # suffix against the whole model by detectron2, which already finds the student's parameters.
        if hasattr(model, "student_state_dict") and isinstance(weights, dict) and weights \
                and not checkpoint.get("matching_heuristics", False):
            student_keys = model.student.state_dict().keys()
            ours = ("student.", "distiller.")
            if not any(k.startswith(ours) for k in weights) and any(k in student_keys for k in weights):
                self.logger.info(f"The checkpoint holds a plain {type(model.student).__name__}: loading it into "
                                 f"the distillation model's student (keys prefixed 'student.').")
                checkpoint["model"] = {f"student.{k}": v for k, v in weights.items()}
        self.incompatible_keys = super()._load_model(checkpoint)
        return self.incompatible_keys
