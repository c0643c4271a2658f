"""Registers the embedded shapes benchmark in detectron2's DatasetCatalog / MetadataCatalog.

Names (with the default prefix): ``shapes_{train,val}`` (COCO-style instances, evaluated by
COCOEvaluator) and ``shapes_sem_seg_{train,val}`` (per-pixel labels, evaluated by SemSegEvaluator).
The dataset is generated on first use, so registering costs nothing.
"""
import os

from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.data.datasets import load_coco_json, load_sem_seg

from .shapes import IGNORE_LABEL, SEM_SEG_CLASSES, SHAPES_CLASSES, ShapesSpec, default_root, ensure_shapes

SPLITS = ("train", "val")


def _load_instances(root, spec, split, name):
    ensure_shapes(root, spec)
    return load_coco_json(os.path.join(root, "annotations", f"instances_{split}.json"), root, name)


def _load_sem_seg(root, spec, split):
    ensure_shapes(root, spec)
    return load_sem_seg(
        os.path.join(root, split, "sem_seg"), os.path.join(root, split, "images"), gt_ext="png", image_ext="png"
    )


def register_shapes(root=None, spec=ShapesSpec(), prefix="shapes"):
    """Registers ``{prefix}_{split}`` and ``{prefix}_sem_seg_{split}``; returns the registered names."""
    root = os.path.abspath(root or default_root())
    names = []
    for split in SPLITS:
        name = f"{prefix}_{split}"
        DatasetCatalog.register(name, lambda r=root, s=split, n=name: _load_instances(r, spec, s, n))
        MetadataCatalog.get(name).set(
            thing_classes=list(SHAPES_CLASSES),
            json_file=os.path.join(root, "annotations", f"instances_{split}.json"),
            image_root=root,
            evaluator_type="coco",
            shapes_root=root,
        )
        sem_name = f"{prefix}_sem_seg_{split}"
        DatasetCatalog.register(sem_name, lambda r=root, s=split: _load_sem_seg(r, spec, s))
        MetadataCatalog.get(sem_name).set(
            stuff_classes=list(SEM_SEG_CLASSES),
            ignore_label=IGNORE_LABEL,
            image_root=os.path.join(root, split, "images"),
            sem_seg_root=os.path.join(root, split, "sem_seg"),
            evaluator_type="sem_seg",
            shapes_root=root,
        )
        names += [name, sem_name]
    return names
