"""Export a training checkpoint as a small inference checkpoint (weights only, optionally fp16)."""
import hashlib
import os

import torch

from .atomic_write import atomic_open


def sha256_of(path, chunk=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def export_weights(src, dst, half=True):
    """Writes ``{"model": state_dict}`` from the training checkpoint ``src`` to ``dst`` (atomically).

    Floating-point tensors are stored in fp16 when ``half``; detectron2's checkpointer casts them back to
    the model's dtype on load. Returns (sha256, size in bytes) of ``dst``.
    """
    checkpoint = torch.load(src, map_location="cpu", weights_only=True)
    state = checkpoint.get("model", checkpoint)
    if half:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    with atomic_open(dst, "wb") as f:
        torch.save({"model": state}, f)
    return sha256_of(dst), os.path.getsize(dst)
