"""EventStorage access that also works outside a trainer (then it records nothing)."""
import torch
from detectron2.utils.events import get_event_storage


def _storage():
    try:
        return get_event_storage()
    except AssertionError:  # not inside `with EventStorage()`
        return None


def current_iteration():
    storage = _storage()
    return storage.iter if storage is not None else "(no EventStorage)"


def put_scalar(name, value, smoothing_hint=True):
    storage = _storage()
    if storage is not None:
        value = float(value.detach()) if isinstance(value, torch.Tensor) else float(value)
        storage.put_scalar(name, value, smoothing_hint=smoothing_hint)
