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


FP16_MAX = torch.finfo(torch.float16).max


def _halved(state, src):
    """``state`` with its floating-point tensors in fp16, except those fp16 cannot hold: a tensor with a value
    beyond ±65504 (a BN running variance of a stem fed 0-255 pixels, with detectron2's pixel std of 1, reaches
    1e5) stays in its own dtype, for an infinity would silence that channel in inference. A non-finite value in
    the source is an error naming the tensor."""
    out = {}
    for key, value in state.items():
        if value.is_floating_point():
            if not torch.isfinite(value).all():
                raise FloatingPointError(f"{src}: {key} holds non-finite values; not exported")
            if value.numel() == 0 or float(value.abs().max()) <= FP16_MAX:
                value = value.half()
        out[key] = value
    return out


def export_weights(src, dst, half=True, prefix=""):
    """Writes ``{"model": state_dict}`` from the training checkpoint ``src`` to ``dst`` (atomically).

    Floating-point tensors are stored in fp16 when ``half`` (those beyond fp16's range stay as they are:
    ``_halved``); detectron2's checkpointer casts them back to the model's dtype on load. ``prefix`` (e.g.
    ``"student."``) keeps only the weights under it, renamed without it (distillation runs also write their student alone: ``model_final_student.pth``).
    Returns (sha256, size in bytes) of ``dst``.
    """
    checkpoint = torch.load(src, map_location="cpu", weights_only=True)
    state = checkpoint.get("model", checkpoint)
    if prefix:
        state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        if not state:
            raise KeyError(f"{src} holds no weights under {prefix!r}")
    if half:
        state = _halved(state, src)
    with atomic_open(dst, "wb") as f:
        torch.save({"model": state}, f)
    return sha256_of(dst), os.path.getsize(dst)


def export_pretrained_backbone(src, dst, backbone_prefix="backbone.", head_prefix="head."):
    """Writes the backbone of an image classifier's training checkpoint ``src`` as detectron2 ships its ImageNet
    backbones: fp16 weights (``_halved``) under the ResNet's own names (``stem.conv1.weight``,
    ``res2.0.conv1.weight``, ...) with ``matching_heuristics``, so that detectron2's checkpointer finds them by suffix in any model built on
    that ResNet (``backbone.bottom_up.res2.0.conv1.weight``). The classifier's layers stay in the file under
    their own names (``linear.weight``: detectors report them unused, as ``fc1000`` of detectron2's
    ``R-50.pkl``), so the file still evaluates as the classifier. Returns (sha256, size in bytes) of ``dst``.
    """
    checkpoint = torch.load(src, map_location="cpu", weights_only=True)
    state = checkpoint.get("model", checkpoint)
    renamed = {}
    for key, value in state.items():
        for prefix in (backbone_prefix, head_prefix):
            if key.startswith(prefix):
                renamed[key[len(prefix):]] = value
                break
        else:
            raise KeyError(f"{src}: {key!r} is neither under {backbone_prefix!r} nor under {head_prefix!r}")
    if not any(k.startswith("res") for k in renamed):
        raise KeyError(f"{src} holds no ResNet stage (res2..res5) under {backbone_prefix!r}")
    renamed = _halved(renamed, src)
    with atomic_open(dst, "wb") as f:
        torch.save({"model": renamed, "__author__": "adakd", "matching_heuristics": True}, f)
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
