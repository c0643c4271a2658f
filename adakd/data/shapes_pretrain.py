"""The ImageNet stand-in of the embedded benchmarks ("shapes_pretrain"): a generated classification set on which
the shapes students and teachers pretrain their backbones, as the paper's start from ImageNet weights.

It is to the shapes detection set what ImageNet is to COCO: more classes (24 silhouettes, the six detection
classes among them), more variety (solid, two-colour textured and outlined fills, random scales, rotations,
aspect ratios, colours, one or two smaller distractors, clutter lines, noisy shaded backgrounds) and no
boxes. Images are 64×64 with the labelled shape 20-56 px across, within the size range of the 16-96 px objects
in the 128 px detection images, so that the features a backbone learns here are of the scale it meets there.

Every image is drawn from its own random stream, seeded ``[seed, 100 + split, index]``: streams that no
other shapes set draws from (the detection set uses ``[seed, 0|1, index]``, shapes_cls ``[seed, 0|1,
index]`` too), so no pretraining image repeats a benchmark image. Stored in ImageNet's folder layout,
``shapes_pretrain/{train,val}/<class>/<index>.png``, and read by the ImageNet folder loader; generated once
under a cache root through a temporary folder that is renamed into place when complete.
"""
import json
import logging
import os
from dataclasses import asdict, dataclass

import cv2
import numpy as np

from ..utils.atomic_write import atomic_directory, generation_lock
from .cache_manifest import read_cache_manifest
from .shapes import SHAPES_CLASSES, _background, _draw_clutter, _regular_polygon, _rotate, _shape_mask, \
    contrasting_color

logger = logging.getLogger(__name__)

SHAPES_PRETRAIN_VERSION = 1
# The six detection classes first (same names, same drawing), then eighteen more silhouettes. Every class
# differs from the others in outline under any rotation (a diagonal cross would be a rotated cross).
PRETRAIN_CLASSES = SHAPES_CLASSES + (
    "hexagon", "pentagon", "octagon", "ellipse", "rectangle", "rhombus", "semicircle", "crescent", "arrow",
    "heart", "l_shape", "t_shape", "star4", "star6", "square_frame", "triangle_frame", "trapezoid", "hourglass",
)
FILL_STYLES = ("solid", "stripes", "checker", "dots", "outlined")
SPLITS = {"train": 100, "val": 101}  # the random stream's second seed, kept apart from the benchmarks' 0 and 1
MANIFEST_NAME = "MANIFEST.json"


@dataclass(frozen=True)
class ShapesPretrainSpec:
    """Everything that determines the generated files."""

    seed: int = 0
    num_train_per_class: int = 1000  # 24,000 training images
    num_val_per_class: int = 100  # 2,400 val images
    image_size: int = 64
    min_object_size: int = 20  # the labelled shape, px across (log-uniform)
    max_object_size: int = 56
    max_distractors: int = 2  # of any class, at most half the labelled shape's size
    min_contrast: float = 60.0
    max_clutter_lines: int = 3

    def split_size(self, split):
        per_class = {"train": self.num_train_per_class, "val": self.num_val_per_class}[split]
        return per_class * len(PRETRAIN_CLASSES)


class CorruptShapesPretrainCacheError(RuntimeError):
    pass


def default_root():
    return os.path.join(os.environ.get("DETECTRON2_DATASETS", "datasets"), "shapes_pretrain")


# ---------------------------------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------------------------------
def _polygon_mask(canvas, polygons, holes=()):
    mask = np.zeros((canvas, canvas), np.uint8)
    center = canvas / 2.0
    shift = 4
    for points, value in [(p, 1) for p in polygons] + [(h, 0) for h in holes]:
        pts = np.round((np.asarray(points) + center) * (1 << shift)).astype(np.int32)
        cv2.fillPoly(mask, [pts], value, lineType=cv2.LINE_8, shift=shift)
    return mask.astype(bool)


def _extra_shape_mask(cls_name, size, rng):
    """A boolean mask of one of the eighteen non-detection classes, ``size`` px across, in a canvas of side
    ``size``+4, at a random rotation."""
    canvas = size + 4
    r = size / 2.0
    angle = rng.uniform(0, 2 * np.pi)

    def rot(points):
        return _rotate(np.asarray(points, dtype=np.float64), angle)

    def arc(radius, start, stop, n=32, cx=0.0, cy=0.0):
        t = np.linspace(start, stop, n)
        return np.stack([cx + radius * np.cos(t), cy + radius * np.sin(t)], axis=1)

    if cls_name in ("hexagon", "pentagon", "octagon"):
        n = {"hexagon": 6, "pentagon": 5, "octagon": 8}[cls_name]
        return _polygon_mask(canvas, [_regular_polygon(n, r * 1.05, angle)])
    if cls_name == "ellipse":
        return _polygon_mask(canvas, [rot(arc(1.0, 0, 2 * np.pi, 64) * [r, 0.5 * r])])
    if cls_name == "rectangle":
        return _polygon_mask(canvas, [rot([[-r, -0.45 * r], [r, -0.45 * r], [r, 0.45 * r], [-r, 0.45 * r]])])
    if cls_name == "rhombus":
        return _polygon_mask(canvas, [rot([[-r, 0], [0, -0.55 * r], [r, 0], [0, 0.55 * r]])])
    if cls_name == "semicircle":
        return _polygon_mask(canvas, [rot(arc(r, 0, np.pi) - [0, 0.4 * r])])
    if cls_name == "crescent":
        bite = rot(arc(0.85 * r, 0, 2 * np.pi, 64, cx=0.45 * r))
        return _polygon_mask(canvas, [rot(arc(r, 0, 2 * np.pi, 64))], [bite])
    if cls_name == "arrow":
        return _polygon_mask(canvas, [rot([[-r, -0.2 * r], [0.1 * r, -0.2 * r], [0.1 * r, -0.6 * r], [r, 0],
                                           [0.1 * r, 0.6 * r], [0.1 * r, 0.2 * r], [-r, 0.2 * r]])])
    if cls_name == "heart":
        lobes = [rot(arc(0.5 * r, 0, 2 * np.pi, 48, cx=-0.45 * r, cy=-0.3 * r)),
                 rot(arc(0.5 * r, 0, 2 * np.pi, 48, cx=0.45 * r, cy=-0.3 * r)),
                 rot([[-0.93 * r, -0.15 * r], [0.93 * r, -0.15 * r], [0, r]])]
        return _polygon_mask(canvas, lobes)
    if cls_name == "l_shape":
        return _polygon_mask(canvas, [rot([[-r, -r], [-0.3 * r, -r], [-0.3 * r, 0.3 * r], [r, 0.3 * r], [r, r],
                                           [-r, r]])])
    if cls_name == "t_shape":
        return _polygon_mask(canvas, [rot([[-r, -r], [r, -r], [r, -0.4 * r], [0.25 * r, -0.4 * r], [0.25 * r, r],
                                           [-0.25 * r, r], [-0.25 * r, -0.4 * r], [-r, -0.4 * r]])])
    if cls_name in ("star4", "star6"):
        n, inner = {"star4": (4, 0.4), "star6": (6, 0.55)}[cls_name]
        return _polygon_mask(canvas, [_regular_polygon(n, r * 1.05, angle, inner_ratio=inner)])
    if cls_name == "square_frame":
        return _polygon_mask(canvas, [_regular_polygon(4, r * 1.3, angle + np.pi / 4)],
                             [_regular_polygon(4, r * 0.75, angle + np.pi / 4)])
    if cls_name == "triangle_frame":
        return _polygon_mask(canvas, [_regular_polygon(3, r * 1.1, angle)], [_regular_polygon(3, r * 0.55, angle)])
    if cls_name == "trapezoid":
        return _polygon_mask(canvas, [rot([[-r, 0.6 * r], [r, 0.6 * r], [0.4 * r, -0.6 * r], [-0.4 * r, -0.6 * r]])])
    if cls_name == "hourglass":
        return _polygon_mask(canvas, [rot([[-0.7 * r, -r], [0.7 * r, -r], [0, 0]]),
                                      rot([[-0.7 * r, r], [0.7 * r, r], [0, 0]])])
    raise ValueError(f"Unknown shapes_pretrain class {cls_name!r}; valid: {PRETRAIN_CLASSES}")


def pretrain_shape_mask(cls_name, size, rng):
    """The mask of any of the 24 classes: the detection classes as the detection set draws them."""
    if cls_name in SHAPES_CLASSES:
        return _shape_mask(cls_name, size, rng)
    return _extra_shape_mask(cls_name, size, rng)


def _fill(image, placed, style, rng, min_contrast):
    """Paints the pixels of ``placed`` in one of FILL_STYLES, contrasting with what lies under them."""
    under = image[placed].mean(axis=0)
    color = contrasting_color(rng, under, min_contrast)
    if style == "solid":
        image[placed] = color
        return
    second = contrasting_color(rng, color, min_contrast)
    h, w = image.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    if style == "stripes":
        period, theta = rng.randint(3, 7), rng.uniform(0, np.pi)
        pattern = ((xx * np.cos(theta) + yy * np.sin(theta)) // period) % 2 == 0
    elif style == "checker":
        period = rng.randint(2, 5)
        pattern = ((xx // period) + (yy // period)) % 2 == 0
    elif style == "dots":
        period = rng.randint(4, 7)
        pattern = ((xx % period) - period // 2) ** 2 + ((yy % period) - period // 2) ** 2 > (period // 3) ** 2
    elif style == "outlined":  # a contrasting border, 1-2 px, around a solid fill
        inner = cv2.erode(placed.astype(np.uint8), np.ones((3, 3), np.uint8), iterations=int(rng.randint(1, 3)))
        pattern = inner.astype(bool)
    else:
        raise ValueError(f"Unknown fill style {style!r}; valid: {FILL_STYLES}")
    image[placed & pattern] = color
    image[placed & ~pattern] = second


def _place(mask, size, rng, min_visible=0.8):
    """Where a mask lands: a random position that leaves at least ``min_visible`` of it inside the image."""
    h, w = mask.shape
    for _ in range(20):
        y0, x0 = rng.randint(-h // 5, size - 4 * h // 5 + 1), rng.randint(-w // 5, size - 4 * w // 5 + 1)
        placed = np.zeros((size, size), bool)
        ys, xs = slice(max(y0, 0), min(y0 + h, size)), slice(max(x0, 0), min(x0 + w, size))
        placed[ys, xs] = mask[ys.start - y0:ys.stop - y0, xs.start - x0:xs.stop - x0]
        if placed.sum() >= min_visible * mask.sum():
            return placed
    return None


def render_pretrain_image(label, rng, spec=ShapesPretrainSpec()):
    """Returns (BGR uint8 image, visible mask of the labelled shape, [(class, size) of every drawn shape,
    labelled first])."""
    size = spec.image_size
    image = _background(rng, size)
    _draw_clutter(image, rng, spec.max_clutter_lines)
    object_size = int(round(np.exp(rng.uniform(np.log(spec.min_object_size), np.log(spec.max_object_size)))))
    drawn = []
    # Distractors first, the labelled shape last: it may cover them, never the other way round.
    for _ in range(rng.randint(0, spec.max_distractors + 1)):
        cls = int(rng.randint(len(PRETRAIN_CLASSES)))
        d_size = int(rng.randint(6, max(7, object_size // 2 + 1)))
        placed = _place(pretrain_shape_mask(PRETRAIN_CLASSES[cls], d_size, rng), size, rng)
        if placed is not None:
            _fill(image, placed, FILL_STYLES[rng.randint(len(FILL_STYLES))], rng, spec.min_contrast)
            drawn.append((cls, d_size))
    placed = None
    while placed is None:
        placed = _place(pretrain_shape_mask(PRETRAIN_CLASSES[label], object_size, rng), size, rng)
    _fill(image, placed, FILL_STYLES[rng.randint(len(FILL_STYLES))], rng, spec.min_contrast)
    image = image + rng.normal(0, rng.uniform(2, 8), size=image.shape)
    return np.clip(np.round(image), 0, 255).astype(np.uint8), placed, [(label, object_size)] + drawn


def image_stream_seed(spec, split, index):
    """The seed of image ``index`` of ``split``: a stream of its own, disjoint from every other shapes set's."""
    return [spec.seed, SPLITS[split], index]


def _generate_split(spec, split, root):
    for name in PRETRAIN_CLASSES:
        os.makedirs(os.path.join(root, split, name), exist_ok=True)
    for index in range(spec.split_size(split)):
        label = index % len(PRETRAIN_CLASSES)  # balanced classes
        image, _, _ = render_pretrain_image(label, np.random.RandomState(image_stream_seed(spec, split, index)), spec)
        path = os.path.join(root, split, PRETRAIN_CLASSES[label], f"{index:06d}.png")
        if not cv2.imwrite(path, image):
            raise OSError(f"Could not write {path}")


def _expected_manifest(spec):
    return {"version": SHAPES_PRETRAIN_VERSION, "spec": asdict(spec), "classes": list(PRETRAIN_CLASSES)}


def _check_complete(root, spec):
    for split in SPLITS:
        per_class = spec.split_size(split) // len(PRETRAIN_CLASSES)
        for name in PRETRAIN_CLASSES:
            folder = os.path.join(root, split, name)
            count = len(os.listdir(folder)) if os.path.isdir(folder) else 0
            if count != per_class:
                raise CorruptShapesPretrainCacheError(
                    f"shapes_pretrain cache {root!r} is corrupt: {folder} holds {count} files, expected "
                    f"{per_class}. Delete {root!r} to regenerate it."
                )


def ensure_shapes_pretrain(root=None, spec=ShapesPretrainSpec()):
    """Returns the root of a complete shapes_pretrain set for ``spec``, generating it when absent or outdated.

    Raises CorruptShapesPretrainCacheError when ``root`` holds a set of the current version with missing files,
    or a folder that is not such a set.
    """
    root = os.path.abspath(root or default_root())
    with generation_lock(root):  # one process generates, the others wait for it and find it complete
        return _ensure_shapes_pretrain_locked(root, spec)


def _ensure_shapes_pretrain_locked(root, spec):
    if os.path.isdir(root):
        manifest = read_cache_manifest(root, MANIFEST_NAME, "shapes_pretrain", CorruptShapesPretrainCacheError)
        if manifest == _expected_manifest(spec):
            _check_complete(root, spec)
            return root
        logger.info(f"shapes_pretrain cache {root} is outdated, regenerating.")
    with atomic_directory(root) as tmp:
        logger.info(f"Generating shapes_pretrain v{SHAPES_PRETRAIN_VERSION} into {root} ...")
        for split in SPLITS:
            _generate_split(spec, split, tmp)
        with open(os.path.join(tmp, MANIFEST_NAME), "w") as f:
            json.dump(_expected_manifest(spec), f, indent=2)
    return root
