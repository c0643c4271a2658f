import numpy as np
from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.data.detection_utils import read_image

from adakd.data import SEM_SEG_CLASSES, SHAPES_CLASSES

from .conftest import TINY_SPEC


def test_default_names_are_registered_on_import():
    import adakd.data  # noqa: F401

    for name in ["shapes_train", "shapes_val", "shapes_sem_seg_train", "shapes_sem_seg_val"]:
        assert name in DatasetCatalog.list()
    assert MetadataCatalog.get("shapes_val").thing_classes == list(SHAPES_CLASSES)
    assert MetadataCatalog.get("shapes_sem_seg_val").stuff_classes == ["background", *SHAPES_CLASSES]


def test_detection_dicts(tiny_shapes):
    dicts = DatasetCatalog.get("tiny_shapes_train")
    assert len(dicts) == TINY_SPEC.num_train
    meta = MetadataCatalog.get("tiny_shapes_train")
    assert meta.thing_classes == list(SHAPES_CLASSES)
    # COCO ids 1..6 map to contiguous 0..5 in the order of SHAPES_CLASSES.
    assert meta.thing_dataset_id_to_contiguous_id == {i + 1: i for i in range(6)}
    classes = [a["category_id"] for d in dicts for a in d["annotations"]]
    assert min(classes) >= 0 and max(classes) <= 5
    assert all(2 <= len(d["annotations"]) <= 6 for d in dicts)


def test_sem_seg_dicts_match_detection(tiny_shapes):
    det = {d["file_name"]: d for d in DatasetCatalog.get("tiny_shapes_val")}
    sem = DatasetCatalog.get("tiny_shapes_sem_seg_val")
    assert len(sem) == TINY_SPEC.num_val and MetadataCatalog.get("tiny_shapes_sem_seg_val").ignore_label == 255
    for d in sem:
        labels = read_image(d["sem_seg_file_name"])
        expected = {a["category_id"] + 1 for a in det[d["file_name"]]["annotations"]}
        assert set(np.unique(labels)) - {0} == expected
        assert len(SEM_SEG_CLASSES) == 7
