"""The embedded "shapes" benchmark: a seeded, procedurally drawn detection + semantic-segmentation set.

Six classes that differ in outline (not only colour) are drawn with random colours, rotations and a
wide range of sizes onto noisy, shaded backgrounds with clutter lines; later objects may occlude earlier
ones. Every object's colour stands out from the background it covers (version 2: in version 1 a random
colour could match the background, leaving objects that no model, and no person, could see).
Annotations are derived from the pixels that stay visible, so every box tightly bounds its mask.

The dataset is written once under a cache root, through a temporary directory that is renamed into
place only when complete, and is regenerated when ``SHAPES_VERSION`` or the generation settings change.
"""
import functools
import json
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass

import cv2
import numpy as np

from ..utils.atomic_write import atomic_directory, generation_lock
from ..utils.export import sha256_of

logger = logging.getLogger(__name__)

# Bump whenever drawing or annotation logic changes: a cache of another version is regenerated.
# v3: objects 16-96 px (were 16-64) so that ATSS spreads positives over P3-P5 as on COCO, and 1000 val images
# (were 300: one checkpoint's AP over bootstrap resamples of 300 images had a std of 1.06 AP).
SHAPES_VERSION = 3
SHAPES_CLASSES = ("circle", "square", "triangle", "star", "cross", "ring")
SEM_SEG_CLASSES = ("background",) + SHAPES_CLASSES
IGNORE_LABEL = 255
MANIFEST_NAME = "MANIFEST.json"


@dataclass(frozen=True)
class ShapesSpec:
    """Everything that determines the generated files."""

    seed: int = 0
    num_train: int = 2000
    num_val: int = 1000
    image_size: int = 128
    min_objects: int = 2
    max_objects: int = 6
    min_object_size: int = 16
    max_object_size: int = 96
    # An object's colour differs from the mean background under it by at least this much in one channel.
    min_contrast: float = 80.0
    max_clutter_lines: int = 5

    def split_size(self, split):
        return {"train": self.num_train, "val": self.num_val}[split]


class CorruptShapesCacheError(RuntimeError):
    pass


def default_root():
    return os.path.join(os.environ.get("DETECTRON2_DATASETS", "datasets"), "shapes")


# ---------------------------------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------------------------------
def _regular_polygon(num_vertices, radius, angle, inner_ratio=None):
    """Vertices of a regular polygon (or a star when inner_ratio is given) centred at the origin."""
    if inner_ratio is None:
        angles = angle + 2 * np.pi * np.arange(num_vertices) / num_vertices
        radii = np.full(num_vertices, radius)
    else:
        angles = angle + np.pi * np.arange(2 * num_vertices) / num_vertices
        radii = np.where(np.arange(2 * num_vertices) % 2 == 0, radius, radius * inner_ratio)
    return np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)


def _rotate(points, angle):
    c, s = np.cos(angle), np.sin(angle)
    return points @ np.array([[c, s], [-s, c]])


def _shape_mask(cls_name, size, rng):
    """A boolean mask of one object, ``size`` px across, in a square canvas of side ``size``+4."""
    canvas = size + 4
    mask = np.zeros((canvas, canvas), np.uint8)
    center = np.array([canvas / 2.0, canvas / 2.0])
    radius = size / 2.0
    angle = rng.uniform(0, 2 * np.pi)
    shift = 4  # sub-pixel precision for cv2 drawing

    def fill(points):
        pts = np.round((points + center) * (1 << shift)).astype(np.int32)
        cv2.fillPoly(mask, [pts], 1, lineType=cv2.LINE_8, shift=shift)

    if cls_name == "circle":
        cv2.circle(mask, tuple(np.round(center).astype(int)), int(round(radius)), 1, -1)
    elif cls_name == "ring":
        cv2.circle(mask, tuple(np.round(center).astype(int)), int(round(radius)), 1, -1)
        cv2.circle(mask, tuple(np.round(center).astype(int)), max(1, int(round(radius * 0.5))), 0, -1)
    elif cls_name == "square":
        fill(_regular_polygon(4, radius * 1.05, angle))
    elif cls_name == "triangle":
        fill(_regular_polygon(3, radius * 1.1, angle))
    elif cls_name == "star":
        fill(_regular_polygon(5, radius * 1.1, angle, inner_ratio=0.45))
    elif cls_name == "cross":
        arm = radius * 0.34
        bar = np.array([[-radius, -arm], [radius, -arm], [radius, arm], [-radius, arm]])
        fill(_rotate(bar, angle))
        fill(_rotate(bar, angle + np.pi / 2))
    else:
        raise ValueError(f"Unknown shape class {cls_name!r}; valid: {SHAPES_CLASSES}")
    return mask.astype(bool)


def _background(rng, size):
    base = rng.uniform(40, 215, size=3)
    gradient = rng.uniform(-60, 60, size=(2, 3))
    yy, xx = np.mgrid[0:size, 0:size] / float(size) - 0.5
    image = base + xx[..., None] * gradient[0] + yy[..., None] * gradient[1]
    # Low-frequency blotches plus per-pixel noise.
    blotches = cv2.resize(rng.normal(0, 25, size=(6, 6, 3)), (size, size), interpolation=cv2.INTER_CUBIC)
    image = image + blotches + rng.normal(0, rng.uniform(4, 16), size=(size, size, 3))
    return image


def _draw_clutter(image, rng, max_lines):
    """Draws 1..max_lines random lines; returns how many."""
    size = image.shape[0]
    count = rng.randint(1, max_lines + 1)
    for _ in range(count):
        p0 = tuple(int(v) for v in rng.randint(0, size, 2))
        p1 = tuple(int(v) for v in rng.randint(0, size, 2))
        color = tuple(float(c) for c in rng.uniform(0, 255, 3))
        cv2.line(image, p0, p1, color, int(rng.randint(1, 3)), lineType=cv2.LINE_AA)
    return count


def contrasting_color(rng, background, min_contrast):
    """A random colour whose largest channel difference from ``background`` is at least ``min_contrast``."""
    while True:
        color = rng.uniform(0, 255, 3)
        if np.abs(color - background).max() >= min_contrast:
            return color


def _render_image(spec, rng, record=None):
    """Returns (bgr uint8 image, instance-id map, list of class indices); instance k has id k+1. ``record``, a
    dict, receives what the files do not show: each placed object's side in px (``sizes``) and area when placed
    (``placed_areas``), and the number of clutter lines (``clutter_lines``)."""
    size = spec.image_size
    image = _background(rng, size)
    clutter_lines = _draw_clutter(image, rng, spec.max_clutter_lines)
    instance_map = np.zeros((size, size), np.int32)
    full_areas, classes, sizes = [], [], []
    for _ in range(rng.randint(spec.min_objects, spec.max_objects + 1)):
        cls = int(rng.randint(len(SHAPES_CLASSES)))
        for _attempt in range(10):
            obj_size = int(round(np.exp(rng.uniform(np.log(spec.min_object_size), np.log(spec.max_object_size)))))
            mask = _shape_mask(SHAPES_CLASSES[cls], obj_size, rng)
            h, w = mask.shape
            y0 = rng.randint(-h // 4, size - 3 * h // 4)
            x0 = rng.randint(-w // 4, size - 3 * w // 4)
            placed = np.zeros((size, size), bool)
            ys, xs = slice(max(y0, 0), min(y0 + h, size)), slice(max(x0, 0), min(x0 + w, size))
            placed[ys, xs] = mask[ys.start - y0 : ys.stop - y0, xs.start - x0 : xs.stop - x0]
            if placed.sum() < 0.6 * mask.sum():
                continue  # mostly outside the image
            # Occlusion is allowed, but every earlier object must keep at least half of its area visible.
            covered = np.bincount(instance_map[placed], minlength=len(classes) + 1)[1:]
            visible = np.bincount(instance_map.ravel(), minlength=len(classes) + 1)[1:]
            if any(v - c < 0.5 * a for v, c, a in zip(visible, covered, full_areas)):
                continue
            break
        else:
            continue
        color = contrasting_color(rng, image[placed].mean(axis=0), spec.min_contrast)
        shade = rng.normal(0, 10, size=(size, size, 3))
        image[placed] = color + shade[placed]
        instance_map[placed] = len(classes) + 1
        full_areas.append(int(placed.sum()))
        classes.append(cls)
        sizes.append(obj_size)
    image = np.clip(image + rng.normal(0, 3, size=image.shape), 0, 255).astype(np.uint8)
    if record is not None:
        record.update(sizes=sizes, placed_areas=full_areas, clutter_lines=clutter_lines)
    return image, instance_map, classes


def _annotations(instance_map, classes, image_id, first_ann_id):
    anns = []
    for k, cls in enumerate(classes):
        mask = (instance_map == k + 1).astype(np.uint8)
        ys, xs = np.nonzero(mask)
        if len(ys) == 0:
            continue
        x0, y0, x1, y1 = int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
        # Trace the outline on a 4x upsampled mask so vertices sit on pixel edges, not pixel centres
        # (COCO pixel i spans [i, i+1)). Outer contours only: polygons cannot hold a ring's hole.
        up = cv2.resize(mask, None, fx=4, fy=4, interpolation=cv2.INTER_NEAREST)
        contours, _ = cv2.findContours(up, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        polygons = [((c.reshape(-1) + 0.5) / 4.0).round(3).tolist() for c in contours if len(c) >= 3]
        if not polygons:  # a sliver too thin for a polygon: describe it by its box
            polygons = [[x0, y0, x1, y0, x1, y1, x0, y1]]
        anns.append(
            {
                "id": first_ann_id + len(anns),
                "image_id": image_id,
                "category_id": cls + 1,
                "bbox": [x0, y0, x1 - x0, y1 - y0],
                "area": int(mask.sum()),
                "segmentation": polygons,
                "iscrowd": 0,
            }
        )
    return anns


def _write_png(path, array):
    if not cv2.imwrite(path, array):
        raise OSError(f"Could not write {path}")


def _render_files(spec, split, root, indices):
    """Draws the images ``indices`` of ``split`` and writes their three PNGs; returns each one's annotations,
    numbered from 1 within the image (``_generate_split`` numbers them across the split)."""
    split_seed = [spec.seed, {"train": 0, "val": 1}[split]]
    annotations = []
    for index in indices:
        rng = np.random.RandomState(split_seed + [index])
        image, instance_map, classes = _render_image(spec, rng)
        file_name = f"{index:06d}.png"
        _write_png(os.path.join(root, split, "images", file_name), image)
        lut = np.array([0] + [c + 1 for c in classes], np.uint8)
        _write_png(os.path.join(root, split, "sem_seg", file_name), lut[instance_map])
        _write_png(os.path.join(root, split, "instances", file_name), instance_map.astype(np.uint8))
        annotations.append(_annotations(instance_map, classes, index, 1))
    return annotations


def generation_workers():
    """Processes that draw a split: the CPUs this process may use, at most 8 (``ADAKD_GENERATION_WORKERS``
    overrides)."""
    value = os.environ.get("ADAKD_GENERATION_WORKERS")
    if value:
        if not value.strip().isdigit() or int(value) < 1:
            raise ValueError(f"ADAKD_GENERATION_WORKERS must be a whole number >= 1 (processes), got {value!r}")
        return int(value)
    return max(1, min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def _generate_split(spec, split, root, workers=None):
    """Writes ``split``: every image's files, then the COCO json. Each image is drawn from its own seed, so the
    files are the same whether ``workers`` processes (default ``generation_workers()``; one for fewer than 200
    images) draw them or one does."""
    for sub in ("images", "sem_seg", "instances"):
        os.makedirs(os.path.join(root, split, sub), exist_ok=True)
    count = spec.split_size(split)
    workers = min(generation_workers() if workers is None else workers, max(1, count // 100))
    if workers > 1:
        # Spawned, not forked: the caller may hold torch's and OpenCV's thread pools.
        chunks = [range(start, min(start + 100, count)) for start in range(0, count, 100)]
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            per_image = [a for part in pool.map(functools.partial(_render_files, spec, split, root), chunks)
                         for a in part]
    else:
        per_image = _render_files(spec, split, root, range(count))
    images, annotations = [], []
    for index, image_annotations in enumerate(per_image):
        images.append({"id": index, "file_name": f"{split}/images/{index:06d}.png",
                       "height": spec.image_size, "width": spec.image_size})
        for ann in image_annotations:
            annotations.append({**ann, "id": len(annotations) + 1})
    coco = {
        "info": {"description": f"AdaptiveKD shapes v{SHAPES_VERSION} ({split})"},
        "images": images,
        "annotations": annotations,
        "categories": [{"id": i + 1, "name": n, "supercategory": "shape"} for i, n in enumerate(SHAPES_CLASSES)],
    }
    os.makedirs(os.path.join(root, "annotations"), exist_ok=True)
    with open(os.path.join(root, "annotations", f"instances_{split}.json"), "w") as f:
        f.write(json.dumps(coco))  # the same bytes as json.dump, by the C encoder (json.dump streams in Python)


def _expected_manifest(spec):
    return {"version": SHAPES_VERSION, "spec": asdict(spec)}


def _check_complete(root, manifest, spec):
    """Raises CorruptShapesCacheError unless every file the manifest promises is present and intact."""
    for split in ("train", "val"):
        ann = os.path.join(root, "annotations", f"instances_{split}.json")
        if not os.path.isfile(ann) or sha256_of(ann) != manifest.get("annotations_sha256", {}).get(split):
            raise CorruptShapesCacheError(
                f"Shapes cache {root!r} is corrupt: {ann} is missing or does not match its checksum. "
                f"Delete {root!r} to regenerate it."
            )
        for sub in ("images", "sem_seg", "instances"):
            folder = os.path.join(root, split, sub)
            count = len(os.listdir(folder)) if os.path.isdir(folder) else 0
            if count != spec.split_size(split):
                raise CorruptShapesCacheError(
                    f"Shapes cache {root!r} is corrupt: {folder} holds {count} files, expected "
                    f"{spec.split_size(split)}. Delete {root!r} to regenerate it."
                )


def ensure_shapes(root=None, spec=ShapesSpec()):
    """Returns the root of a complete shapes dataset for ``spec``, generating it when absent or outdated.

    Raises CorruptShapesCacheError when ``root`` holds a dataset of the current version that is
    incomplete or altered, or a directory that is not a shapes dataset at all.
    """
    root = os.path.abspath(root or default_root())
    with generation_lock(root):  # one process generates, the others wait for it and find it complete
        return _ensure_shapes_locked(root, spec)


def _ensure_shapes_locked(root, spec):
    manifest_path = os.path.join(root, MANIFEST_NAME)
    if os.path.isdir(root):
        if not os.path.isfile(manifest_path):
            raise CorruptShapesCacheError(
                f"Shapes cache {root!r} exists but has no {MANIFEST_NAME}: it is not a complete shapes "
                f"dataset. Delete it (or point DETECTRON2_DATASETS elsewhere) to regenerate."
            )
        try:
            with open(manifest_path) as f:
                manifest = json.load(f)
        except (OSError, ValueError) as e:
            raise CorruptShapesCacheError(f"Shapes cache {root!r}: unreadable {manifest_path}: {e}") from e
        expected = _expected_manifest(spec)
        if all(manifest.get(k) == v for k, v in expected.items()):
            _check_complete(root, manifest, spec)
            return root
        logger.info(f"Shapes cache {root} has version/spec {manifest.get('version')}, regenerating.")

    with atomic_directory(root) as tmp:  # an outdated version is swapped out only once the new one is complete
        logger.info(f"Generating shapes v{SHAPES_VERSION} into {root} ...")
        for split in ("train", "val"):
            _generate_split(spec, split, tmp)
        manifest = _expected_manifest(spec)
        manifest["annotations_sha256"] = {
            split: sha256_of(os.path.join(tmp, "annotations", f"instances_{split}.json")) for split in ("train", "val")
        }
        with open(os.path.join(tmp, MANIFEST_NAME), "w") as f:
            json.dump(manifest, f, indent=2)
    return root
