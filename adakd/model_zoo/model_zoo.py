"""The model zoo, in the spirit of ``detectron2.model_zoo``: entries of ``model_zoo/manifest.json`` by name.

    from adakd import model_zoo
    cfg = model_zoo.get_config("shapes_gfl_r18_adaptive", trained=True)
    model = model_zoo.get("shapes_gfl_r18_adaptive")          # built, weights loaded, eval mode
    path = model_zoo.get_checkpoint("shapes_gfl_r101_teacher")  # verified local file

A checkpoint is located by a repository-relative path, a ``file://`` URL or an http(s) URL; URLs are
fetched through iopath into ``$ADAKD_CACHE`` (default ``~/.cache/adakd``), whose downloader writes to a
temporary file and renames it when complete. Every file is checked against the manifest's sha256 before it
is handed out; a cached copy that fails is deleted (a local path is never touched) and the error names the
entry and both hashes. A file that cannot be found or fetched is a ``FileNotFoundError`` naming the entry and
the path or URL (with urllib's reason: HTTP status, refused connection, ...).
"""
import difflib
import json
import os
from urllib.parse import urlparse

from iopath.common.file_io import HTTPURLHandler, PathManager as _PathManager

from ..utils.export import sha256_of

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STATUSES = ("trained", "untrained")


class ZooChecksumError(RuntimeError):
    """A checkpoint's sha256 differs from the manifest's."""


def manifest_path():
    return os.environ.get("ADAKD_ZOO_MANIFEST", os.path.join(REPO_ROOT, "model_zoo", "manifest.json"))


def cache_dir():
    return os.path.expanduser(os.environ.get("ADAKD_CACHE", os.path.join("~", ".cache", "adakd")))


def list_entries():
    """All manifest entries (dicts), in manifest order."""
    with open(manifest_path()) as f:
        return json.load(f)["entries"]


def get_entry(name):
    entries = {e["name"]: e for e in list_entries()}
    if name not in entries:
        close = difflib.get_close_matches(str(name), list(entries), n=3, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else f" Known entries: {', '.join(sorted(entries))}."
        raise KeyError(f"No model zoo entry named {name!r}.{hint}")
    return entries[name]


def _resolve(path):
    """Repository-relative paths are resolved against the repository root."""
    return path if os.path.isabs(path) else os.path.join(REPO_ROOT, path)


def get_config_file(name):
    return _resolve(get_entry(name)["config"])


def get_config(name, trained=False):
    """The entry's LazyConfig; with ``trained``, ``train.init_checkpoint`` is the entry's verified checkpoint."""
    from detectron2.config import LazyConfig

    cfg = LazyConfig.load(get_config_file(name))
    if trained:
        cfg.train.init_checkpoint = get_checkpoint(name)
    return cfg


class _FileURLHandler(HTTPURLHandler):
    """iopath's URL cache for ``file://`` URLs (its downloader is urllib's, which opens them too), so that a
    checkpoint on a mounted file system is copied once and verified like a download, never modified."""

    def _get_supported_prefixes(self):
        return ["file://"]


_CACHED_SCHEMES = ("http", "https", "file")


def _url_path_manager():
    manager = _PathManager()
    manager.register_handler(HTTPURLHandler())
    manager.register_handler(_FileURLHandler())
    return manager


def _fetch(location):
    """Local path of ``location`` (repository path, or a file:// or http(s) URL fetched into the cache)."""
    if urlparse(location).scheme in _CACHED_SCHEMES:
        return _url_path_manager().get_local_path(location, cache_dir=cache_dir())
    return _resolve(location)


def get_checkpoint(name):
    """A local, sha256-verified copy of the entry's checkpoint.

    Raises when the entry is untrained, the file cannot be found or fetched, or its hash differs (a
    cached copy that fails is deleted so that the next call fetches it again).
    """
    entry = get_entry(name)
    if entry.get("status") != "trained" or not entry.get("checkpoint"):
        command = entry.get("train_command", "its config")
        raise FileNotFoundError(f"Model zoo entry {name!r} is untrained: no checkpoint. Train it with: {command}")
    location = entry["checkpoint"]
    try:
        local = _fetch(location)
    except Exception as e:  # iopath / urllib raise various errors for unreachable URLs
        raise FileNotFoundError(f"Model zoo entry {name!r}: could not fetch {location}: {e}") from e
    if not os.path.isfile(local):
        raise FileNotFoundError(f"Model zoo entry {name!r}: checkpoint {location} not found ({local})")
    actual = sha256_of(local)
    if actual != entry["sha256"]:
        cached = urlparse(location).scheme in _CACHED_SCHEMES
        if cached:
            os.remove(local)
        raise ZooChecksumError(
            f"Model zoo entry {name!r}: checkpoint {location} has sha256 {actual}, the manifest expects "
            f"{entry['sha256']}" + (" (the cached copy was deleted)" if cached else "")
        )
    return local


def get(name, trained=True, device=None):
    """The entry's model, built from its config, with its checkpoint loaded (``trained``), in eval mode."""
    from detectron2.checkpoint import DetectionCheckpointer
    from detectron2.config import instantiate

    cfg = get_config(name)
    model = instantiate(cfg.model)
    if trained:
        DetectionCheckpointer(model).load(get_checkpoint(name))
    if device is not None:
        model.to(device)
    return model.eval()
