"""Loading a teacher's trained weights: a missing or unreadable file is an error, never a random teacher.

A file that cannot be fetched or does not exist raises ``FileNotFoundError``; one that cannot be read or does not
fit the teacher raises ``CheckpointLoadError``; both name the file (tools/lazyconfig_train_net.py prints them as
one line)."""
import os

import torch
from detectron2.utils.file_io import PathManager

from ..checkpoint.atomic_checkpointer import CheckpointLoadError


def load_teacher_weights(teacher, weights):
    """Loads ``weights`` (path or URL of a ``{"model": state_dict}`` or plain state-dict file) into ``teacher``.

    Raises when ``weights`` is empty, cannot be fetched or read, or does not cover every teacher parameter.
    """
    if not weights:
        raise ValueError("teacher.weights is empty: distillation needs a trained teacher (refusing a random one)")
    try:
        local = PathManager.get_local_path(weights)
    except Exception as e:  # iopath raises various errors for unreachable URLs
        raise FileNotFoundError(f"Teacher weights {weights!r} could not be fetched: {e}") from e
    if not os.path.isfile(local):
        raise FileNotFoundError(f"Teacher weights {weights!r} not found")
    try:
        checkpoint = torch.load(local, map_location="cpu", weights_only=True)
    except Exception as e:
        raise CheckpointLoadError(
            f"Teacher weights {weights!r} are unreadable (corrupt or not a torch file): {e}") from e
    state = checkpoint.get("model", checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointLoadError(f"Teacher weights {weights!r} hold no state dict of tensors")
    expected = teacher.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    wrong = [f"{k}: {tuple(state[k].shape)} vs {tuple(v.shape)}" for k, v in expected.items()
             if k in state and state[k].shape != v.shape]
    if missing or unexpected or wrong:
        raise CheckpointLoadError(
            f"Teacher weights {weights!r} do not match the teacher model: {len(missing)} missing "
            f"{missing[:5]}, {len(unexpected)} unexpected {unexpected[:5]}, shape mismatches {wrong[:5]}"
        )
    teacher.load_state_dict(state)
    return teacher
