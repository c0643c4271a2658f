"""The embedded classification benchmark ("shapes_cls"): 32×32 images of two to four shapes of the six classes
of the shapes benchmark, small and rotated, on the same noisy, cluttered backgrounds; the label is the class
of the largest shape. Smaller distractor shapes (of any class, at most ``distractor_ratio`` of its size) make
the task one of comparing objects, not of spotting one: a small student errs on 10-40 % of the images
while a larger teacher does clearly better (v3; v2's single shape was solved to 1-4 % by both).

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

from ..utils.atomic_write import atomic_directory, generation_lock
from ..utils.export import sha256_of
from .cache_manifest import read_cache_manifest
from .shapes import SHAPES_CLASSES, _background, _shape_mask, contrasting_color

logger = logging.getLogger(__name__)

SHAPES_CLS_VERSION = 3
FILES = {"train": "data_batch_1", "test": "test_batch"}
META_FILE = "batches.meta"
MANIFEST_NAME = "MANIFEST.json"


@dataclass(frozen=True)
class ShapesClassificationSpec:
    seed: int = 0
    num_train: int = 10000
    num_test: int = 5000
    min_object_size: int = 10  # the labelled (largest) shape, px across
    max_object_size: int = 18
    min_distractors: int = 1
    max_distractors: int = 3
    min_distractor_size: int = 4
    distractor_ratio: float = 0.7  # a distractor is at most this fraction of the labelled shape's size
    min_contrast: float = 55.0
    noise_std: float = 9.0
    max_clutter_lines: int = 3


def default_root():
    return os.path.join(os.environ.get("DETECTRON2_DATASETS", "datasets"), "shapes_cls")


def _objects(label, rng, spec):
    """(class, size) of the shapes of one image: the labelled one first, then its smaller distractors."""
    size = rng.randint(spec.min_object_size, spec.max_object_size + 1)
    objects = [(label, size)]
    largest_distractor = max(spec.min_distractor_size, int(spec.distractor_ratio * size))
    for _ in range(rng.randint(spec.min_distractors, spec.max_distractors + 1)):
        objects.append((int(rng.randint(len(SHAPES_CLASSES))), rng.randint(spec.min_distractor_size,
                                                                           largest_distractor + 1)))
    return objects


def _render(label, rng, spec):
    """Returns the RGB uint8 image of one example and its shapes as (class, size, mask in image coordinates),
    labelled shape first."""
    size = 32
    image = _background(rng, size)
    # Thin clutter lines (the detection set's 1-3 px ones would cover a 32 px image).
    for _ in range(rng.randint(0, spec.max_clutter_lines + 1)):
        p0, p1 = (tuple(int(v) for v in rng.randint(0, size, 2)) for _ in range(2))
        cv2.line(image, p0, p1, tuple(float(c) for c in rng.uniform(0, 255, 3)), 1, lineType=cv2.LINE_AA)
    objects = _objects(label, rng, spec)
    drawn = []
    # Distractors first, the labelled shape last: it may cover them, never the other way round.
    for cls, object_size in objects[1:] + objects[:1]:
        mask = _shape_mask(SHAPES_CLASSES[cls], object_size, rng)
        # Anywhere, as long as the shape stays inside the image.
        y, x = (rng.randint(0, size - mask.shape[0] + 1) for _ in range(2))
        placed = np.zeros((size, size), bool)
        placed[y:y + mask.shape[0], x:x + mask.shape[1]] = mask
        # A colour that stands out from the background under the shape (in at least one channel).
        image[placed] = contrasting_color(rng, image[placed].mean(axis=0), spec.min_contrast)
        drawn.append((cls, object_size, placed))
    image += rng.normal(0, spec.noise_std, size=image.shape)
    return np.clip(np.round(image), 0, 255).astype(np.uint8), drawn[-1:] + drawn[:-1]


def _batch(spec, split):
    count = spec.num_train if split == "train" else spec.num_test
    labels, rows = [], []
    for index in range(count):
        rng = np.random.RandomState([spec.seed, {"train": 0, "test": 1}[split], index])
        label = int(rng.randint(len(SHAPES_CLASSES)))
        rows.append(_render(label, rng, spec)[0].transpose(2, 0, 1).reshape(-1))  # R, G, B planes as in CIFAR
        labels.append(label)
    return {b"data": np.stack(rows), b"labels": labels,
            b"filenames": [f"{split}_{i:06d}.png".encode() for i in range(count)]}


def ensure_shapes_classification(root=None, spec=ShapesClassificationSpec()):
    """Returns the folder of a complete shapes_cls dataset for ``spec``, generating it when absent or
    outdated; raises RuntimeError when a folder of the current version fails its checksums."""
    root = os.path.abspath(root or default_root())
    with generation_lock(root):  # one process generates, the others wait for it and find it complete
        return _ensure_shapes_classification_locked(root, spec)


def _ensure_shapes_classification_locked(root, spec):
    expected = {"version": SHAPES_CLS_VERSION, "spec": asdict(spec)}
    if os.path.isdir(root):
        manifest = read_cache_manifest(root, MANIFEST_NAME, "shapes_cls", RuntimeError)
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
