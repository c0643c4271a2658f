"""The ImageNet stand-in (adakd/data/shapes_pretrain.py): what it draws, that a seed fixes it, that it shares no
random stream with the benchmarks, and how it is registered."""
import filecmp
import os

import cv2
import numpy as np
import pytest
from detectron2.data import DatasetCatalog, MetadataCatalog

from adakd.data import shapes, shapes_pretrain
from adakd.data.register_classification import register_classification_datasets
from adakd.data.shapes import SHAPES_CLASSES, ShapesSpec
from adakd.data.shapes_classification import ShapesClassificationSpec
from adakd.data.shapes_pretrain import (
    PRETRAIN_CLASSES,
    CorruptShapesPretrainCacheError,
    ShapesPretrainSpec,
    ensure_shapes_pretrain,
    image_stream_seed,
    pretrain_shape_mask,
    render_pretrain_image,
)

from .test_shapes_generator import _all_files

SPEC = ShapesPretrainSpec(seed=5, num_train_per_class=2, num_val_per_class=1)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return ensure_shapes_pretrain(str(tmp_path_factory.mktemp("pre") / "shapes_pretrain"), SPEC)


def test_the_classes_are_24_distinct_names_with_the_detection_classes_first():
    assert len(PRETRAIN_CLASSES) >= 24 and len(set(PRETRAIN_CLASSES)) == len(PRETRAIN_CLASSES)
    assert PRETRAIN_CLASSES[: len(SHAPES_CLASSES)] == SHAPES_CLASSES


@pytest.mark.parametrize("name", SHAPES_CLASSES)
def test_detection_classes_are_drawn_exactly_as_the_detection_set_draws_them(name):
    ours = pretrain_shape_mask(name, 37, np.random.RandomState(11))
    theirs = shapes._shape_mask(name, 37, np.random.RandomState(11))
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("name", PRETRAIN_CLASSES)
@pytest.mark.parametrize("size", [20, 56])
def test_every_class_is_about_size_pixels_across_in_its_canvas(name, size):
    mask = pretrain_shape_mask(name, size, np.random.RandomState(size))
    assert mask.shape == (size + 4, size + 4)
    ys, xs = np.nonzero(mask)
    extent = max(ys.max() - ys.min() + 1, xs.max() - xs.min() + 1)
    # Elongated classes (ellipse, rectangle, rhombus, ...) are `size` along their long axis.
    assert 0.75 * size <= extent <= size + 4, (name, extent)
    assert mask.sum() >= 0.1 * size * size  # frames and rings are hollow, never empty


def test_renders_hold_the_documented_sizes_and_the_labelled_shape_stays_visible():
    spec = ShapesPretrainSpec()
    for index in range(60):
        label = index % len(PRETRAIN_CLASSES)
        image, visible, objects = render_pretrain_image(label, np.random.RandomState([9, index]), spec)
        assert image.shape == (64, 64, 3) and image.dtype == np.uint8
        (cls, size), distractors = objects[0], objects[1:]
        assert cls == label and spec.min_object_size <= size <= spec.max_object_size
        assert len(distractors) <= spec.max_distractors
        assert all(6 <= d_size <= max(6, size // 2) for _, d_size in distractors)
        full = pretrain_shape_mask(PRETRAIN_CLASSES[label], size, np.random.RandomState(0)).sum()
        # At least 80 % of the shape lies inside the image (the mask of another rotation differs by a few px).
        assert visible.sum() >= 0.7 * full, (index, visible.sum(), full)


def test_files_are_balanced_over_the_classes_and_each_is_the_render_of_its_label(generated):
    for split, per_class in (("train", 2), ("val", 1)):
        assert sorted(os.listdir(os.path.join(generated, split))) == sorted(PRETRAIN_CLASSES)
        for label, name in enumerate(PRETRAIN_CLASSES):
            files = sorted(os.listdir(os.path.join(generated, split, name)))
            assert len(files) == per_class
            index = int(files[0].split(".")[0])
            assert index % len(PRETRAIN_CLASSES) == label
            rng = np.random.RandomState(image_stream_seed(SPEC, split, index))
            expected, _, _ = render_pretrain_image(label, rng, SPEC)
            np.testing.assert_array_equal(cv2.imread(os.path.join(generated, split, name, files[0])), expected)


def test_same_seed_gives_identical_files_and_another_seed_other_images(generated, tmp_path):
    again = ensure_shapes_pretrain(str(tmp_path / "a"), SPEC)
    files = _all_files(generated)
    assert files == _all_files(again) and len(files) == 1 + 3 * len(PRETRAIN_CLASSES)
    _, mismatch, errors = filecmp.cmpfiles(generated, again, files, shallow=False)
    assert mismatch == [] and errors == []
    other = ensure_shapes_pretrain(str(tmp_path / "b"), ShapesPretrainSpec(seed=6, num_train_per_class=2,
                                                                           num_val_per_class=1))
    image = "train/circle/000000.png"
    assert not np.array_equal(cv2.imread(os.path.join(generated, image)), cv2.imread(os.path.join(other, image)))


def test_no_image_shares_a_random_stream_with_a_benchmark_image(tmp_path):
    spec = ShapesPretrainSpec()
    ours = {tuple(image_stream_seed(spec, split, i))
            for split in ("train", "val") for i in range(spec.split_size(split))}
    # The streams of the detection / segmentation set (shapes.py) and of shapes_cls, at their default sizes.
    det, cls = ShapesSpec(), ShapesClassificationSpec()
    theirs = {(det.seed, s, i) for s, n in ((0, det.num_train), (1, det.num_val)) for i in range(n)}
    theirs |= {(cls.seed, s, i) for s, n in ((0, cls.num_train), (1, cls.num_test)) for i in range(n)}
    assert len(ours) == spec.split_size("train") + spec.split_size("val") >= 20000 + 1000
    assert not ours & theirs
    # The benchmark's generator does draw from [seed, split, index]: its first val image is that stream's.
    tiny = ShapesSpec(seed=7, num_train=1, num_val=1)
    image, _, _ = shapes._render_image(tiny, np.random.RandomState([7, 1, 0]))
    root = shapes.ensure_shapes(str(tmp_path / "shapes"), tiny)
    np.testing.assert_array_equal(image, cv2.imread(os.path.join(root, "val", "images", "000000.png")))


def test_a_missing_file_is_a_clear_error_and_a_new_spec_regenerates(generated, tmp_path):
    root = ensure_shapes_pretrain(str(tmp_path / "c"), SPEC)
    os.remove(os.path.join(root, "val", "star", os.listdir(os.path.join(root, "val", "star"))[0]))
    with pytest.raises(CorruptShapesPretrainCacheError, match=r"val/star holds 0 files, expected 1"):
        ensure_shapes_pretrain(root, SPEC)
    bigger = ShapesPretrainSpec(seed=5, num_train_per_class=2, num_val_per_class=2)
    assert ensure_shapes_pretrain(root, bigger) == root
    assert len(os.listdir(os.path.join(root, "val", "star"))) == 2
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".")]  # no temporary folder left behind
    os.makedirs(tmp_path / "not_a_cache")
    with pytest.raises(CorruptShapesPretrainCacheError, match=r"shapes_pretrain cache .*not_a_cache' has no readable "
                                                              r"MANIFEST.json"):
        ensure_shapes_pretrain(str(tmp_path / "not_a_cache"), SPEC)


def test_registered_names_load_rgb_images_in_memory_with_their_labels(generated, tmp_path):
    os.symlink(generated, tmp_path / "shapes_pretrain")
    try:
        register_classification_datasets(str(tmp_path), pretrain_spec=SPEC)
        dicts = DatasetCatalog.get("shapes_pretrain_train")
        assert len(dicts) == 2 * len(PRETRAIN_CLASSES)
        assert MetadataCatalog.get("shapes_pretrain_train").classes == list(PRETRAIN_CLASSES)
        assert MetadataCatalog.get("shapes_pretrain_val").num_classes == len(PRETRAIN_CLASSES)
        for d in dicts[::7]:
            assert os.path.basename(os.path.dirname(d["file_name"])) == PRETRAIN_CLASSES[d["label"]]
            np.testing.assert_array_equal(d["image"], cv2.imread(d["file_name"])[:, :, ::-1])
    finally:
        register_classification_datasets()  # the default names again, for the other tests
