"""torchvision ResNet weights under detectron2's ResNet names.

detectron2's model zoo has ImageNet weights for ResNet-50/101 only; the paper's ResNet-18 student (and a
ResNet-101 with the same preprocessing) start from torchvision's ImageNet weights. The names differ
(``layer1.0.bn1`` is ``res2.0.conv1.norm``), the blocks are the same: torchvision puts the stride in the
3x3 conv, i.e. detectron2's ``stride_in_1x1=False``, and expects RGB input normalised by ImageNet mean/std.
"""
import pickle
import re

from ..utils.atomic_write import atomic_open

_STEM = {"conv1.weight": "stem.conv1.weight"}
_BN_FIELDS = ("weight", "bias", "running_mean", "running_var")


def convert_torchvision_resnet(state_dict):
    """Returns {detectron2 name: tensor} for a torchvision ``resnet*`` state dict; ``fc`` is dropped.

    Raises KeyError naming the first key that is not part of a torchvision ResNet.
    """
    converted = {}
    for name, value in state_dict.items():
        if name.startswith("fc.") or name.endswith("num_batches_tracked"):
            continue  # the classifier, and a BN counter that detectron2's FrozenBN does not keep
        new_name = _convert_name(name)
        if new_name is None:
            raise KeyError(f"{name!r} is not a torchvision ResNet weight (expected conv1, bn1, layer1-4, fc)")
        converted[new_name] = value
    return converted


def _convert_name(name):
    if name in _STEM:
        return _STEM[name]
    m = re.fullmatch(r"bn1\.(\w+)", name)
    if m and m.group(1) in _BN_FIELDS:
        return f"stem.conv1.norm.{m.group(1)}"
    m = re.fullmatch(r"layer([1-4])\.(\d+)\.(.+)", name)
    if not m:
        return None
    prefix = f"res{int(m.group(1)) + 1}.{m.group(2)}"
    rest = m.group(3)
    if re.fullmatch(r"conv[1-3]\.weight", rest):
        return f"{prefix}.{rest}"
    m_bn = re.fullmatch(r"bn([1-3])\.(\w+)", rest)
    if m_bn and m_bn.group(2) in _BN_FIELDS:
        return f"{prefix}.conv{m_bn.group(1)}.norm.{m_bn.group(2)}"
    if rest == "downsample.0.weight":
        return f"{prefix}.shortcut.weight"
    m_ds = re.fullmatch(r"downsample\.1\.(\w+)", rest)
    if m_ds and m_ds.group(1) in _BN_FIELDS:
        return f"{prefix}.shortcut.norm.{m_ds.group(1)}"
    return None


def save_detectron2_pkl(converted, path):
    """Writes the detectron2 checkpoint format (numpy arrays, ``matching_heuristics`` so that ``res2.0...``
    finds ``backbone.bottom_up.res2.0...``), atomically: an interrupted write leaves no file."""
    payload = {
        "model": {k: v.detach().cpu().numpy() for k, v in converted.items()},
        "__author__": "torchvision",
        "matching_heuristics": True,
    }
    with atomic_open(path, "wb") as f:
        pickle.dump(payload, f)
