"""Export a training checkpoint as a small inference checkpoint (weights only, optionally fp16)."""
import hashlib
import math
import os

import torch

from .atomic_write import atomic_open


def sha256_of(path, chunk=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def export_weights(src, dst, half=True, prefix=""):
    """Writes ``{"model": state_dict}`` from the training checkpoint ``src`` to ``dst`` (atomically).

    Floating-point tensors are stored in fp16 when ``half``; detectron2's checkpointer casts them back to
    the model's dtype on load. ``prefix`` (e.g. ``"student."``) keeps only the weights under it, renamed
    without it (distillation runs also write their student alone: ``model_final_student.pth``).
    Returns (sha256, size in bytes) of ``dst``.
    """
    checkpoint = torch.load(src, map_location="cpu", weights_only=True)
    state = checkpoint.get("model", checkpoint)
    if prefix:
        state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        if not state:
            raise KeyError(f"{src} holds no weights under {prefix!r}")
    if half:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    with atomic_open(dst, "wb") as f:
        torch.save({"model": state}, f)
    return sha256_of(dst), os.path.getsize(dst)


def learned_path_weights(src, path_names):
    """The adaptive aggregator's final path weights v = e^-z in the training checkpoint ``src``, by path.

    Returns None when the run did not learn weights (no ``aggregator.neg_log_path_weights``).
    """
    state = torch.load(src, map_location="cpu", weights_only=True)
    state = state.get("model", state)
    z = [v for k, v in state.items() if k.endswith("aggregator.neg_log_path_weights")]
    if not z:
        return None
    if z[0].numel() != len(path_names):
        raise ValueError(f"{src}: {z[0].numel()} learned weights for paths {list(path_names)}")
    return {name: math.exp(-float(value)) for name, value in zip(path_names, z[0].flatten())}
