"""Tiny COCO, Cityscapes and ADE20K trees in the real on-disk layouts, and detectron2's builtin dataset names
pointed at them, so configs run unchanged except for image size, batch and iterations."""
import contextlib
import json
import os
import subprocess
import sys

import cv2
import numpy as np
from cityscapesscripts.helpers.labels import name2label
from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.data.datasets import builtin, register_coco_instances
from detectron2.data.datasets.builtin_meta import COCO_CATEGORIES, _get_builtin_metadata

COCO_NAMES = ("coco_2017_train", "coco_2017_val")
ADE20K_NAMES = ("ade20k_sem_seg_train", "ade20k_sem_seg_val")


def _objects(rng, height, width, count):
    """``count`` random axis-aligned boxes (x0, y0, x1, y1) of at least 12 px inside the image."""
    boxes = []
    for _ in range(count):
        w, h = rng.integers(12, width // 2), rng.integers(12, height // 2)
        x0, y0 = rng.integers(0, width - w), rng.integers(0, height - h)
        boxes.append((int(x0), int(y0), int(x0 + w), int(y0 + h)))
    return boxes


def write_coco_tree(root, num_train=3, num_val=2, size=(64, 96), seed=0):
    """``root/coco/{train2017,val2017}/*.jpg`` + ``root/coco/annotations/instances_{split}2017.json``."""
    rng = np.random.default_rng(seed)
    height, width = size
    things = [c for c in COCO_CATEGORIES if c["isthing"]]
    categories = [{"id": c["id"], "name": c["name"], "supercategory": "thing"} for c in things]
    os.makedirs(os.path.join(root, "coco", "annotations"), exist_ok=True)
    for split, count in (("train", num_train), ("val", num_val)):
        image_dir = os.path.join(root, "coco", f"{split}2017")
        os.makedirs(image_dir, exist_ok=True)
        images, annotations = [], []
        for image_id in range(1, count + 1):
            file_name = f"{image_id:012d}.jpg"
            image = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
            for x0, y0, x1, y1 in _objects(rng, height, width, 2):
                category = things[int(rng.integers(len(things)))]["id"]
                image[y0:y1, x0:x1] = rng.integers(0, 255, 3)
                annotations.append({
                    "id": len(annotations) + 1, "image_id": image_id, "category_id": category, "iscrowd": 0,
                    "bbox": [x0, y0, x1 - x0, y1 - y0], "area": (x1 - x0) * (y1 - y0),
                    "segmentation": [[x0, y0, x1, y0, x1, y1, x0, y1]],
                })
            cv2.imwrite(os.path.join(image_dir, file_name), image)
            images.append({"id": image_id, "file_name": file_name, "height": height, "width": width})
        with open(os.path.join(root, "coco", "annotations", f"instances_{split}2017.json"), "w") as f:
            json.dump({"images": images, "annotations": annotations, "categories": categories}, f)


def write_cityscapes_tree(root, num_train=3, num_val=2, size=(64, 128), seed=0, city="aachen"):
    """``root/cityscapes/leftImg8bit/{split}/<city>/*_leftImg8bit.png`` and, under gtFine, each image's
    ``_gtFine_polygons.json`` (what detectron2's instance loader reads through cityscapesscripts' labels),
    ``_gtFine_labelIds.png`` and ``_gtFine_instanceIds.png`` (label id · 1000 + k on instances)."""
    rng = np.random.default_rng(seed)
    height, width = size
    for split, count in (("train", num_train), ("val", num_val)):
        image_dir = os.path.join(root, "cityscapes", "leftImg8bit", split, city)
        gt_dir = os.path.join(root, "cityscapes", "gtFine", split, city)
        os.makedirs(image_dir, exist_ok=True)
        os.makedirs(gt_dir, exist_ok=True)
        for frame in range(count):
            stem = f"{city}_{frame:06d}_000019"
            road = name2label["road"].id
            label_ids = np.full((height, width), road, dtype=np.uint8)
            instance_ids = np.full((height, width), road, dtype=np.int32)
            objects = [{"label": "road", "polygon": [[0, 0], [width, 0], [width, height], [0, height]]}]
            for k, ((x0, y0, x1, y1), name) in enumerate(zip(_objects(rng, height, width, 2), ("car", "person"))):
                label = name2label[name].id
                label_ids[y0:y1, x0:x1] = label
                instance_ids[y0:y1, x0:x1] = label * 1000 + k
                objects.append({"label": name, "polygon": [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]})
            image = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
            cv2.imwrite(os.path.join(image_dir, f"{stem}_leftImg8bit.png"), image)
            cv2.imwrite(os.path.join(gt_dir, f"{stem}_gtFine_labelIds.png"), label_ids)
            cv2.imwrite(os.path.join(gt_dir, f"{stem}_gtFine_instanceIds.png"), instance_ids.astype(np.uint16))
            with open(os.path.join(gt_dir, f"{stem}_gtFine_polygons.json"), "w") as f:
                json.dump({"imgHeight": height, "imgWidth": width, "objects": objects}, f)


def _register_builtin(root):
    """Registers the builtin COCO, Cityscapes and ADE20K names under ``root`` with detectron2's own
    functions and relative paths (``builtin._PREDEFINED_SPLITS_COCO``, ``register_all_cityscapes``,
    ``register_all_ade20k``)."""
    cityscapes = [k.format(task=t) for k in builtin._RAW_CITYSCAPES_SPLITS for t in ("instance_seg", "sem_seg")]
    for name in COCO_NAMES + ADE20K_NAMES + tuple(cityscapes):
        if name in DatasetCatalog.list():
            DatasetCatalog.remove(name)
            MetadataCatalog.remove(name)
    for name in COCO_NAMES:
        image_root, json_file = builtin._PREDEFINED_SPLITS_COCO["coco"][name]
        register_coco_instances(
            name, _get_builtin_metadata("coco"), os.path.join(root, json_file), os.path.join(root, image_root)
        )
    builtin.register_all_cityscapes(root)
    builtin.register_all_ade20k(root)


@contextlib.contextmanager
def builtin_datasets_at(root):
    """detectron2's builtin COCO, Cityscapes and ADE20K names read from ``root`` inside the block."""
    _register_builtin(root)
    try:
        yield
    finally:
        _register_builtin(builtin._root)


def write_cityscapes_train_ids(root):
    """The documented preparation step: cityscapesscripts' createTrainIdLabelImgs writes
    ``*_gtFine_labelTrainIds.png`` next to every ``*_gtFine_polygons.json``."""
    env = dict(os.environ, CITYSCAPES_DATASET=os.path.join(root, "cityscapes"))
    subprocess.run([sys.executable, "-m", "cityscapesscripts.preparation.createTrainIdLabelImgs"], env=env,
                   check=True, stdout=subprocess.DEVNULL)


def write_ade20k_tree(root, num_train=3, num_val=2, size=(64, 96), seed=0):
    """``root/ADEChallengeData2016/{images,annotations}/{training,validation}/`` in the official form:
    jpg images, png labels with 0 = "other" and 1..150 = classes (convert them with prepare_ade20k_sem_seg)."""
    rng = np.random.default_rng(seed)
    height, width = size
    base = os.path.join(root, "ADEChallengeData2016")
    for split, count in (("training", num_train), ("validation", num_val)):
        os.makedirs(os.path.join(base, "images", split), exist_ok=True)
        os.makedirs(os.path.join(base, "annotations", split), exist_ok=True)
        for i in range(1, count + 1):
            stem = f"ADE_{'train' if split == 'training' else 'val'}_{i:08d}"
            labels = np.zeros((height, width), dtype=np.uint8)  # "other"
            labels[: height // 2] = rng.integers(1, 151)
            for x0, y0, x1, y1 in _objects(rng, height, width, 2):
                labels[y0:y1, x0:x1] = rng.integers(1, 151)
            image = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
            cv2.imwrite(os.path.join(base, "images", split, f"{stem}.jpg"), image)
            cv2.imwrite(os.path.join(base, "annotations", split, f"{stem}.png"), labels)
