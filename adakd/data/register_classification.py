"""Registers the classification datasets of the paper (§4) and the embedded shapes_cls benchmark in
detectron2's DatasetCatalog / MetadataCatalog, like detectron2's builtin COCO names: under
``$DETECTRON2_DATASETS`` (default ``datasets/``), read only when a loader asks.

====================  =======================================================  ===========
name                  folder under the datasets root                           classes
====================  =======================================================  ===========
cifar10_{train,test}  cifar-10-batches-py/  (python pickles)                   10
cifar100_{train,test} cifar-100-python/     (python pickles)                   100
imagenet200_{train,val} tiny-imagenet-200/  (Tiny-ImageNet, the paper's IN-200) 200
imagenet1k_{train,val} imagenet/{train,val}/<wnid>/                            1000
shapes_cls_{train,val} shapes_cls/ (generated, CIFAR-10 layout)                6
shapes_pretrain_{train,val} shapes_pretrain/{train,val}/<class>/ (generated)   24
====================  =======================================================  ===========

Every entry gets ``evaluator_type="classification"`` and ``num_classes``; class names are set when the data
is loaded.
"""
import os

import cv2

from detectron2.data import DatasetCatalog, MetadataCatalog

from .cifar import CIFAR_LAYOUTS, load_cifar, load_cifar_class_names
from .image_folder import load_image_folder, load_tiny_imagenet, tiny_imagenet_classes
from .shapes import SHAPES_CLASSES
from .shapes_classification import ShapesClassificationSpec, ensure_shapes_classification
from .shapes_pretrain import PRETRAIN_CLASSES, ShapesPretrainSpec, ensure_shapes_pretrain


def _with_classes(name, dicts, class_names):
    MetadataCatalog.get(name).set(classes=list(class_names))
    return dicts


def _cifar(name, root, variant, split):
    folder = os.path.join(root, CIFAR_LAYOUTS[variant][0])
    dicts = load_cifar(folder, variant, split)
    return _with_classes(name, dicts, load_cifar_class_names(folder, variant))


def _shapes_cls(name, root, split, spec):
    folder = ensure_shapes_classification(os.path.join(root, "shapes_cls"), spec)
    return _with_classes(name, load_cifar(folder, "shapes_cls", split), SHAPES_CLASSES)


def _shapes_pretrain(name, root, split, spec):
    folder = ensure_shapes_pretrain(os.path.join(root, "shapes_pretrain"), spec)
    dicts = load_image_folder(os.path.join(folder, split), PRETRAIN_CLASSES, "shapes_pretrain")
    # Decoded once and held in memory as RGB, as CIFAR is: 64 px PNGs cost more to decode per step than a
    # small backbone's forward and backward (24,000 images: 295 MB).
    for d in dicts:
        d["image"] = cv2.imread(d["file_name"], cv2.IMREAD_COLOR)[:, :, ::-1]
    return _with_classes(name, dicts, PRETRAIN_CLASSES)


def _imagenet200(name, root, split):
    folder = os.path.join(root, "tiny-imagenet-200")
    return _with_classes(name, load_tiny_imagenet(folder, split), sorted(tiny_imagenet_classes(folder)))


def _imagenet1k(name, root, split):
    folder = os.path.join(root, "imagenet", split)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"ImageNet-1K: {folder} does not exist. Expected layout: "
                                f"imagenet/{{train,val}}/<wnid>/*.JPEG (val sorted into its wnid folders)")
    classes = sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d)))
    if len(classes) != 1000:  # checked before listing 1.3M files
        raise ValueError(f"ImageNet-1K: {folder} has {len(classes)} class folders, expected 1000 "
                         f"(imagenet/{{train,val}}/<wnid>/*.JPEG; val sorted into wnid folders)")
    return _with_classes(name, load_image_folder(folder, classes, "ImageNet-1K"), classes)


def classification_datasets(shapes_spec=ShapesClassificationSpec(), pretrain_spec=ShapesPretrainSpec()):
    """``{name: (loader(name, root), num_classes)}`` of every registered classification dataset."""
    return {
        "cifar10_train": (lambda n, r: _cifar(n, r, "cifar10", "train"), 10),
        "cifar10_test": (lambda n, r: _cifar(n, r, "cifar10", "test"), 10),
        "cifar100_train": (lambda n, r: _cifar(n, r, "cifar100", "train"), 100),
        "cifar100_test": (lambda n, r: _cifar(n, r, "cifar100", "test"), 100),
        "imagenet200_train": (lambda n, r: _imagenet200(n, r, "train"), 200),
        "imagenet200_val": (lambda n, r: _imagenet200(n, r, "val"), 200),
        "imagenet1k_train": (lambda n, r: _imagenet1k(n, r, "train"), 1000),
        "imagenet1k_val": (lambda n, r: _imagenet1k(n, r, "val"), 1000),
        "shapes_cls_train": (lambda n, r: _shapes_cls(n, r, "train", shapes_spec), len(SHAPES_CLASSES)),
        "shapes_cls_val": (lambda n, r: _shapes_cls(n, r, "test", shapes_spec), len(SHAPES_CLASSES)),
        "shapes_pretrain_train": (lambda n, r: _shapes_pretrain(n, r, "train", pretrain_spec), len(PRETRAIN_CLASSES)),
        "shapes_pretrain_val": (lambda n, r: _shapes_pretrain(n, r, "val", pretrain_spec), len(PRETRAIN_CLASSES)),
    }


def register_classification_datasets(root=None, shapes_spec=ShapesClassificationSpec(),
                                     pretrain_spec=ShapesPretrainSpec()):
    """(Re-)registers every classification dataset under ``root`` (default: ``$DETECTRON2_DATASETS`` or
    ``datasets``), shapes_cls generated with ``shapes_spec`` and shapes_pretrain with ``pretrain_spec``;
    returns the names."""
    root = os.path.abspath(os.path.expanduser(root or os.environ.get("DETECTRON2_DATASETS", "datasets")))
    for name, (loader, num_classes) in classification_datasets(shapes_spec, pretrain_spec).items():
        if name in DatasetCatalog.list():
            DatasetCatalog.remove(name)
            MetadataCatalog.remove(name)
        DatasetCatalog.register(name, lambda n=name, f=loader: f(n, root))
        MetadataCatalog.get(name).set(evaluator_type="classification", num_classes=num_classes, dataset_root=root)
        if name.startswith("shapes_cls_"):
            MetadataCatalog.get(name).set(classes=list(SHAPES_CLASSES))
        if name.startswith("shapes_pretrain_"):
            MetadataCatalog.get(name).set(classes=list(PRETRAIN_CLASSES))
    return list(classification_datasets())
