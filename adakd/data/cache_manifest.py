"""The manifest of a generated dataset cache (a folder written once, through a temporary folder)."""
import json
import os


def read_cache_manifest(root, manifest_name, dataset, error_type):
    """The JSON manifest ``root/manifest_name``; ``error_type`` naming ``dataset`` and the folder when it is
    missing or unreadable (the folder is then not a complete cache)."""
    try:
        with open(os.path.join(root, manifest_name)) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise error_type(f"{dataset} cache {root!r} has no readable {manifest_name} ({e}); delete the folder to "
                         f"regenerate it") from e
