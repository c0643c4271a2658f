"""``key=value`` overrides that refuse keys the config does not have, and a check of dataset names.

detectron2's ``LazyConfig.apply_overrides`` silently creates a key it does not know, so a typo such as
``train.max_iters=10`` would train for the default length. Here it is an error listing close matches;
a key that is meant to be new is written ``+key=value`` (hydra's syntax).
"""
import difflib

from detectron2.config import LazyConfig
from detectron2.data import DatasetCatalog
from omegaconf import DictConfig, ListConfig, OmegaConf

_ABSENT = object()


def _all_keys(node, prefix=""):
    if isinstance(node, DictConfig):
        for key in node.keys():
            full = f"{prefix}{key}"
            yield full
            yield from _all_keys(node._get_node(key), full + ".")
    elif isinstance(node, ListConfig):
        for i in range(len(node)):
            yield from _all_keys(node._get_node(i), f"{prefix}{i}.")


def apply_checked_overrides(cfg, overrides):
    """Applies ``["a.b=1", "+c=2"]`` to ``cfg``; raises KeyError naming any key the config lacks."""
    plain = []
    for override in overrides:
        if "=" not in override:
            raise ValueError(f"Override {override!r} is not of the form key=value")
        key = override.split("=", 1)[0].strip()
        if key.startswith("+"):
            plain.append(override[override.index("+") + 1 :])
            continue
        if OmegaConf.select(cfg, key, default=_ABSENT, throw_on_missing=False) is _ABSENT:
            close = difflib.get_close_matches(key, list(_all_keys(cfg)), n=3, cutoff=0.6)
            hint = f" Did you mean: {', '.join(close)}?" if close else ""
            raise KeyError(
                f"Unknown config key {key!r} in override {override!r}.{hint} "
                f"(Write '+{override}' to add a new key on purpose.)"
            )
        plain.append(override)
    return LazyConfig.apply_overrides(cfg, plain)


def check_dataset_names(cfg):
    """Raises KeyError when a dataloader refers to a dataset that is not registered."""
    registered = list(DatasetCatalog.list())
    for key in _all_keys(cfg.get("dataloader", DictConfig({})), "dataloader."):
        leaf = key.rsplit(".", 1)[-1]
        if leaf not in ("names", "dataset_name"):
            continue
        value = OmegaConf.select(cfg, key)
        names = [value] if isinstance(value, str) else list(value or [])
        for name in names:
            if name not in registered:
                close = difflib.get_close_matches(name, registered, n=3)
                hint = f" Close matches: {', '.join(close)}." if close else ""
                raise KeyError(f"{key} = {name!r} is not a registered dataset.{hint}")
