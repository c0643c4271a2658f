"""Write-then-rename, so a reader never sees a half-written file; and a lock that lets one process at a time
generate a folder that several may ask for at once."""
import json
import math
import os
import shutil
import tempfile
from contextlib import contextmanager

try:
    import fcntl
except ImportError:  # not POSIX: generation is not serialised between processes
    fcntl = None


@contextmanager
def atomic_open(path, mode="w", fsync=False):
    """Yields a temporary file next to ``path``, renamed over ``path`` when the block ends without error.
    ``fsync``: flush to disk before the rename (checkpoints: the new file survives a power loss too)."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, mode) as f:
            yield f
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def finite_or_none(obj):
    """``obj`` with every non-finite float (NaN, ±inf) replaced by None, recursively in dicts, lists, tuples."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite_or_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite_or_none(v) for v in obj]
    return obj


def atomic_write_json(path, obj):
    """Strict JSON (RFC 8259, which has no NaN): non-finite numbers are written as ``null``."""
    with atomic_open(path) as f:
        json.dump(finite_or_none(obj), f, indent=2, sort_keys=True, allow_nan=False)


@contextmanager
def atomic_directory(path):
    """Yields a temporary sibling folder to fill; on success it replaces ``path`` (an older ``path`` is moved
    aside, then deleted), so ``path`` is either the old folder or the complete new one, never half-written."""
    path = os.path.abspath(path)
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}-tmp-", dir=parent)
    try:
        yield tmp
        if os.path.isdir(path):
            old = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}-old-", dir=parent)
            os.replace(path, os.path.join(old, "previous"))
            shutil.rmtree(old, ignore_errors=True)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def generation_lock(path):
    """Holds an exclusive lock on the folder that will contain ``path`` (an advisory ``flock`` on the directory
    itself, so no lock file is left behind) while a process checks whether ``path`` is complete and generates
    it if not. Two processes asking for the same generated dataset at once (two training runs started together
    on a fresh clone, parallel test workers) would otherwise both generate it, and the second rename would
    swap the folder out from under the first one's readers; with the lock the second waits, then finds it
    complete."""
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    if fcntl is None:
        yield
        return
    fd = os.open(parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock, also when the block raised
