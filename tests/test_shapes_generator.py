import filecmp
import json
import os
import re

import cv2
import numpy as np
import pycocotools.mask as mask_util
import pytest

from adakd.data import shapes
from adakd.data.shapes import SHAPES_CLASSES, CorruptShapesCacheError, ShapesSpec, ensure_shapes

SPEC = ShapesSpec(seed=7, num_train=12, num_val=4)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return ensure_shapes(str(tmp_path_factory.mktemp("gen") / "shapes"), SPEC)


def _all_files(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, files in os.walk(root) for f in files)


def test_same_seed_gives_identical_files(generated, tmp_path):
    again = ensure_shapes(str(tmp_path / "shapes"), SPEC)
    files = _all_files(generated)
    assert files == _all_files(again)
    assert len(files) == 1 + 2 + 3 * (SPEC.num_train + SPEC.num_val)
    match, mismatch, errors = filecmp.cmpfiles(generated, again, files, shallow=False)
    assert mismatch == [] and errors == []


def test_several_processes_write_the_files_one_process_writes(tmp_path):
    """A split drawn by two spawned processes (chunks of 100 images) is byte for byte the one drawn in-process:
    every image from its own seed, annotation ids numbered across the split in image order."""
    spec = ShapesSpec(seed=3, num_train=2, num_val=230)  # three chunks: 100, 100, 30
    for workers in (1, 2):
        shapes._generate_split(spec, "val", str(tmp_path / f"w{workers}"), workers=workers)
    files = _all_files(tmp_path / "w1")
    assert files == _all_files(tmp_path / "w2") and len(files) == 1 + 3 * 230
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "w1", tmp_path / "w2", files, shallow=False)
    assert mismatch == [] and errors == []
    with open(tmp_path / "w2" / "annotations" / "instances_val.json") as f:
        coco = json.load(f)
    assert [a["id"] for a in coco["annotations"]] == list(range(1, len(coco["annotations"]) + 1))
    assert [a["image_id"] for a in coco["annotations"]] == sorted(a["image_id"] for a in coco["annotations"])


def test_generation_workers_from_the_environment_are_checked(monkeypatch):
    monkeypatch.setenv("ADAKD_GENERATION_WORKERS", "3")
    assert shapes.generation_workers() == 3
    for bad in ("two", "0", "-1", "1.5"):
        monkeypatch.setenv("ADAKD_GENERATION_WORKERS", bad)
        with pytest.raises(ValueError, match=f"ADAKD_GENERATION_WORKERS must be a whole number >= 1 \\(processes\\), "
                                             f"got '{re.escape(bad)}'"):
            shapes.generation_workers()
    monkeypatch.delenv("ADAKD_GENERATION_WORKERS")
    assert 1 <= shapes.generation_workers() <= 8


def test_other_seed_gives_other_images(generated, tmp_path):
    other = ensure_shapes(str(tmp_path / "shapes"), ShapesSpec(seed=8, num_train=12, num_val=4))
    a = cv2.imread(os.path.join(generated, "train/images/000000.png"))
    b = cv2.imread(os.path.join(other, "train/images/000000.png"))
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("split", ["train", "val"])
def test_annotations_agree_with_pixels(generated, split):
    with open(os.path.join(generated, "annotations", f"instances_{split}.json")) as f:
        coco = json.load(f)
    assert [c["name"] for c in coco["categories"]] == list(SHAPES_CLASSES)
    assert len(coco["images"]) == SPEC.split_size(split)
    by_image = {}
    for ann in coco["annotations"]:
        by_image.setdefault(ann["image_id"], []).append(ann)
    assert sum(len(v) for v in by_image.values()) >= 2 * len(coco["images"]) * 0.8  # 2-6 objects each
    for image in coco["images"]:
        name = os.path.basename(image["file_name"])
        instance_map = cv2.imread(os.path.join(generated, split, "instances", name), cv2.IMREAD_UNCHANGED)
        sem_seg = cv2.imread(os.path.join(generated, split, "sem_seg", name), cv2.IMREAD_UNCHANGED)
        anns = by_image.get(image["id"], [])
        # Instance ids are 1..K in drawing order, K = number of annotations, 0 = background.
        assert set(np.unique(instance_map)) <= set(range(len(anns) + 1))
        assert (sem_seg[instance_map == 0] == 0).all()
        for k, ann in enumerate(anns, start=1):
            ys, xs = np.nonzero(instance_map == k)
            x, y, w, h = ann["bbox"]
            # Tight box: the mask touches every side of it.
            assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == (x, y, x + w, y + h)
            assert ann["area"] == len(xs)
            assert (sem_seg[ys, xs] == ann["category_id"]).all()
            # The polygon outlines the same pixels (a ring's polygon also covers its hole).
            rle = mask_util.merge(mask_util.frPyObjects(ann["segmentation"], image["height"], image["width"]))
            polygon_mask = mask_util.decode(rle).astype(bool)
            assert (polygon_mask & (instance_map == k)).sum() >= 0.95 * len(xs)
            py, px = np.nonzero(polygon_mask)
            assert np.abs(np.array([px.min(), py.min(), px.max() + 1, py.max() + 1]) - [x, y, x + w, y + h]).max() <= 1
            if ann["category_id"] != SHAPES_CLASSES.index("ring") + 1:
                assert polygon_mask.sum() <= 1.1 * len(xs) + 4


def test_interrupted_generation_leaves_nothing(tmp_path, monkeypatch):
    calls = []

    def fail_on_val(spec, split, root):
        calls.append(split)
        if split == "val":
            raise KeyboardInterrupt
        return original(spec, split, root)

    original = shapes._generate_split
    monkeypatch.setattr(shapes, "_generate_split", fail_on_val)
    with pytest.raises(KeyboardInterrupt):
        ensure_shapes(str(tmp_path / "shapes"), SPEC)
    assert calls == ["train", "val"]
    assert os.listdir(tmp_path) == []  # neither the target nor a temporary directory remains


def test_corrupt_cache_is_named(generated, tmp_path):
    import shutil

    root = str(tmp_path / "copy")
    shutil.copytree(generated, root)
    os.remove(os.path.join(root, "train", "images", "000003.png"))
    with pytest.raises(CorruptShapesCacheError, match="copy.*train/images holds 11 files, expected 12"):
        ensure_shapes(root, SPEC)

    not_shapes = tmp_path / "unrelated"
    not_shapes.mkdir()
    with pytest.raises(CorruptShapesCacheError, match="unrelated.*no MANIFEST.json"):
        ensure_shapes(str(not_shapes), SPEC)


def test_version_change_regenerates(generated, tmp_path, monkeypatch):
    import shutil

    root = str(tmp_path / "copy")
    shutil.copytree(generated, root)
    stale = os.path.join(root, "stale_marker")
    open(stale, "w").close()
    ensure_shapes(root, SPEC)
    assert os.path.exists(stale)  # same version: reused untouched
    monkeypatch.setattr(shapes, "SHAPES_VERSION", shapes.SHAPES_VERSION + 1)
    ensure_shapes(root, SPEC)
    assert not os.path.exists(stale)
    with open(os.path.join(root, "MANIFEST.json")) as f:
        assert json.load(f)["version"] == shapes.SHAPES_VERSION
    assert sorted(os.listdir(tmp_path)) == ["copy"]


def test_contrasting_color_differs_from_background_in_some_channel():
    rng = np.random.RandomState(0)
    background = np.array([120.0, 40.0, 200.0])
    colors = np.array([shapes.contrasting_color(rng, background, 80.0) for _ in range(200)])
    assert (np.abs(colors - background).max(axis=1) >= 80.0).all()
    # Still random: every channel spans most of 0..255.
    assert (colors.max(axis=0) - colors.min(axis=0) > 150).all()


def test_every_object_stands_out_from_the_background_around_it(generated):
    # Independent of the drawing code: compare each object's mean colour with the background pixels in a
    # 3 px band around it. Drawn at >= 80 from the background under it; per-pixel noise (<= 16), shading
    # (10) and the background's gradient across a few pixels leave well over 40 on average.
    differences = []
    for name in sorted(os.listdir(os.path.join(generated, "train", "images"))):
        image = cv2.imread(os.path.join(generated, "train", "images", name)).astype(np.float64)
        instance_map = cv2.imread(os.path.join(generated, "train", "instances", name), cv2.IMREAD_UNCHANGED)
        for k in range(1, instance_map.max() + 1):
            mask = (instance_map == k).astype(np.uint8)
            band = (cv2.dilate(mask, np.ones((7, 7), np.uint8)) > 0) & (instance_map == 0)
            if mask.sum() < 20 or band.sum() < 20:
                continue
            differences.append(np.abs(image[mask > 0].mean(0) - image[band].mean(0)).max())
    assert len(differences) >= 20
    assert np.median(differences) >= 60 and np.min(differences) >= 30


def test_documented_sizes_objects_clutter_and_visibility():
    """datasets/README.md and the README: 2,000 train / 1,000 val images of 128 px, 2-6 objects of 16-96 px
    across, 1-5 clutter lines, every object keeping at least half of its area visible."""
    spec = ShapesSpec()
    assert (spec.num_train, spec.num_val, spec.image_size) == (2000, 1000, 128)
    sizes, counts, lines = [], [], []
    for index in range(200):
        record = {}
        _, instance_map, classes = shapes._render_image(spec, np.random.RandomState([spec.seed, 0, index]), record)
        sizes += record["sizes"]
        counts.append(len(classes))
        lines.append(record["clutter_lines"])
        visible = np.bincount(instance_map.ravel(), minlength=len(classes) + 1)[1:]
        assert (visible >= 0.5 * np.array(record["placed_areas"])).all(), (index, visible, record)
    assert 16 <= min(sizes) < 20 and 88 < max(sizes) <= 96  # the whole range is drawn, nothing outside it
    # Log-uniform sides: as many objects below the geometric mean sqrt(16 * 96) = 39 px as above it.
    assert 0.4 < np.mean(np.array(sizes) < np.sqrt(16 * 96)) < 0.6
    assert min(counts) >= 1 and max(counts) <= 6 and np.mean(np.array(counts) >= 2) > 0.95
    assert set(lines) == {1, 2, 3, 4, 5}


def test_recording_leaves_the_images_unchanged():
    spec = ShapesSpec()
    plain = shapes._render_image(spec, np.random.RandomState([spec.seed, 1, 3]))
    recorded = shapes._render_image(spec, np.random.RandomState([spec.seed, 1, 3]), {})
    assert all(np.array_equal(a, b) for a, b in zip(plain[:2], recorded[:2])) and plain[2] == recorded[2]


def test_two_callers_at_once_generate_once_and_both_get_the_complete_folder(tmp_path, monkeypatch):
    """Two training processes started together on a fresh clone (or two test workers) ask for the same dataset:
    the second waits for the first's generation instead of generating again and swapping the folder out from
    under the first one's readers. (Threads here: each caller's lock is its own open of the parent folder,
    which ``flock`` treats as another process.)"""
    import threading

    calls, original = [], shapes._generate_split
    monkeypatch.setattr(shapes, "_generate_split", lambda spec, split, root: (calls.append(split),
                                                                            original(spec, split, root))[1])
    root, barrier, folders = str(tmp_path / "shapes"), threading.Barrier(2), []

    def caller():
        barrier.wait()
        folder = ensure_shapes(root, SPEC)
        folders.append((folder, os.stat(folder).st_ino))

    threads = [threading.Thread(target=caller) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == ["train", "val"]  # one generation, not one per caller
    assert folders == [(root, os.stat(root).st_ino)] * 2  # both got the folder that stays
    assert sorted(os.listdir(tmp_path)) == ["shapes"]  # and no lock file or temporary folder is left
