"""The embedded classification benchmark ("shapes_cls"): 32×32 images of one shape among the six classes
of the shapes benchmark, small and rotated, on the same noisy, cluttered backgrounds.

It is written in CIFAR-10's python-pickle layout (``data_batch_1``, ``test_batch``, ``batches.meta``), so
the benchmark goes through the CIFAR loader users will run on the real data. Like the detection set, it is
generated once under a cache root through a temporary folder renamed into place when complete.
"""
import json
import logging
import os
import pickle
from dataclasses import asdict, dataclass

import cv2
import numpy as np

from ..utils.atomic_write import atomic_directory
from ..utils.export import sha256_of
from .shapes import SHAPES_CLASSES, _background, _shape_mask, contrasting_color

logger = logging.getLogger(__name__)

SHAPES_CLS_VERSION = 2
FILES = {"train": "data_batch_1", "test": "test_batch"}
META_FILE = "batches.meta"
MANIFEST_NAME = "MANIFEST.json"


@dataclass(frozen=True)
class ShapesClassificationSpec:
    seed: int = 0
    num_train: int = 10000
    num_test: int = 2000
    min_object_size: int = 12
    max_object_size: int = 26


def default_root():
    return os.path.join(os.environ.get("DETECTRON2_DATASETS", "datasets"), "shapes_cls")


def _render(label, rng, spec):
    size = 32
    image = _background(rng, size)
    # Up to three thin clutter lines (the detection set's 2-8 thick ones would cover a 32 px image).
    for _ in range(rng.randint(0, 4)):
        p0, p1 = (tuple(int(v) for v in rng.randint(0, size, 2)) for _ in range(2))
        cv2.line(image, p0, p1, tuple(float(c) for c in rng.uniform(0, 255, 3)), 1, lineType=cv2.LINE_AA)
    object_size = rng.randint(spec.min_object_size, spec.max_object_size + 1)
    mask = _shape_mask(SHAPES_CLASSES[label], object_size, rng)
    # Anywhere, as long as the object stays inside the image.
    y, x = (rng.randint(0, size - mask.shape[0] + 1) for _ in range(2))
    region = image[y:y + mask.shape[0], x:x + mask.shape[1]]
    # A colour that stands out from the background under the object (by 80 in at least one channel).
    region[mask] = contrasting_color(rng, region[mask].mean(axis=0), 80.0)
    image += rng.normal(0, 6, size=image.shape)
    return np.clip(np.round(image), 0, 255).astype(np.uint8)  # RGB


def _batch(spec, split):
    count = spec.num_train if split == "train" else spec.num_test
    labels, rows = [], []
    for index in range(count):
        rng = np.random.RandomState([spec.seed, {"train": 0, "test": 1}[split], index])
        label = int(rng.randint(len(SHAPES_CLASSES)))
        rows.append(_render(label, rng, spec).transpose(2, 0, 1).reshape(-1))  # R, G, B planes as in CIFAR
        labels.append(label)
    return {b"data": np.stack(rows), b"labels": labels,
            b"filenames": [f"{split}_{i:06d}.png".encode() for i in range(count)]}


def ensure_shapes_classification(root=None, spec=ShapesClassificationSpec()):
    """Returns the folder of a complete shapes_cls dataset for ``spec``, generating it when absent or
    outdated; raises RuntimeError when a folder of the current version fails its checksums."""
    root = os.path.abspath(root or default_root())
    expected = {"version": SHAPES_CLS_VERSION, "spec": asdict(spec)}
    manifest_path = os.path.join(root, MANIFEST_NAME)
    if os.path.isdir(root):
        try:
            with open(manifest_path) as f:
                manifest = json.load(f)
        except (OSError, ValueError) as e:
            raise RuntimeError(f"shapes_cls cache {root!r} has no readable {MANIFEST_NAME} ({e}); delete the "
                               f"folder to regenerate it") from e
        if all(manifest.get(k) == v for k, v in expected.items()):
            for name, digest in manifest["sha256"].items():
                path = os.path.join(root, name)
                if not os.path.isfile(path) or sha256_of(path) != digest:
                    raise RuntimeError(f"shapes_cls cache {root!r} is corrupt: {path} is missing or does not "
                                       f"match its checksum; delete the folder to regenerate it")
            return root
        logger.info(f"shapes_cls cache {root} is outdated, regenerating.")
    with atomic_directory(root) as tmp:
        logger.info(f"Generating shapes_cls v{SHAPES_CLS_VERSION} into {root} ...")
        contents = {FILES[s]: _batch(spec, s) for s in FILES}
        contents[META_FILE] = {b"label_names": [n.encode() for n in SHAPES_CLASSES], b"num_vis": 3072}
        for name, content in contents.items():
            with open(os.path.join(tmp, name), "wb") as f:
                pickle.dump(content, f, protocol=2)
        manifest = dict(expected, sha256={name: sha256_of(os.path.join(tmp, name)) for name in contents})
        with open(os.path.join(tmp, MANIFEST_NAME), "w") as f:
            json.dump(manifest, f, indent=2)
    return root
