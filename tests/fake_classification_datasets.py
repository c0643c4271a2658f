"""Tiny classification trees in the official layouts: CIFAR python pickles (bytes keys, as Python 2 wrote
them), Tiny-ImageNet as distributed, ImageNet-1K in torchvision's class folders."""
import os
import pickle

import cv2
import numpy as np


def cifar_rows(images):
    """(N, 32, 32, 3) RGB → CIFAR's (N, 3072) rows: the R plane, then G, then B, each row-major."""
    return np.stack([im.transpose(2, 0, 1).reshape(-1) for im in images])


def _dump(path, obj):
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=2)


def write_cifar_trees(root, per_batch=2, seed=0):
    """``root/cifar-10-batches-py`` (5 training batches + test) and ``root/cifar-100-python``; returns
    ``{(variant, split): (images (N, 32, 32, 3) RGB, labels)}`` as written."""
    rng = np.random.default_rng(seed)
    written = {}

    def batch(count, num_classes, label_key):
        images = rng.integers(0, 256, size=(count, 32, 32, 3), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, num_classes, size=count)]
        return images, labels, {b"data": cifar_rows(images), label_key: labels, b"batch_label": b"fake"}

    folder = os.path.join(root, "cifar-10-batches-py")
    os.makedirs(folder, exist_ok=True)
    for split, files in (("train", [f"data_batch_{i}" for i in range(1, 6)]), ("test", ["test_batch"])):
        all_images, all_labels = [], []
        for name in files:
            images, labels, content = batch(per_batch, 10, b"labels")
            _dump(os.path.join(folder, name), content)
            all_images.append(images)
            all_labels += labels
        written[("cifar10", split)] = (np.concatenate(all_images), all_labels)
    _dump(os.path.join(folder, "batches.meta"), {b"label_names": [f"class{i}".encode() for i in range(10)]})

    folder = os.path.join(root, "cifar-100-python")
    os.makedirs(folder, exist_ok=True)
    for split in ("train", "test"):
        images, labels, content = batch(2 * per_batch, 100, b"fine_labels")
        content[b"coarse_labels"] = [v // 5 for v in labels]
        _dump(os.path.join(folder, split), content)
        written[("cifar100", split)] = (images, labels)
    _dump(os.path.join(folder, "meta"), {b"fine_label_names": [f"fine{i}".encode() for i in range(100)],
                                         b"coarse_label_names": [f"coarse{i}".encode() for i in range(20)]})
    return written


def _write_jpeg(path, rng, size):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if not cv2.imwrite(path, rng.integers(0, 256, size=(size, size, 3), dtype=np.uint8)):
        raise OSError(f"could not write {path}")


def write_tiny_imagenet_tree(root, wnids=("n01443537", "n01629819", "n01641577"), per_class=2, seed=0, size=64):
    """``root/tiny-imagenet-200`` with ``wnids.txt``, ``train/<wnid>/images`` and ``val/images`` labelled by
    ``val/val_annotations.txt`` (one validation image per class, listed in reverse class order); images of
    ``size`` px (the real ones are 64)."""
    rng = np.random.default_rng(seed)
    base = os.path.join(root, "tiny-imagenet-200")
    os.makedirs(base, exist_ok=True)
    with open(os.path.join(base, "wnids.txt"), "w") as f:
        f.write("\n".join(wnids) + "\n")
    for wnid in wnids:
        for i in range(per_class):
            _write_jpeg(os.path.join(base, "train", wnid, "images", f"{wnid}_{i}.JPEG"), rng, size)
    lines = []
    for i, wnid in enumerate(reversed(wnids)):
        _write_jpeg(os.path.join(base, "val", "images", f"val_{i}.JPEG"), rng, size)
        lines.append(f"val_{i}.JPEG\t{wnid}\t0\t0\t{size - 1}\t{size - 1}")
    with open(os.path.join(base, "val", "val_annotations.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return base


def write_imagenet1k_tree(root, with_images=3, per_class=1, size=80, seed=0):
    """``root/imagenet/{train,val}/<wnid>/`` for 1000 wnids, images only in the first ``with_images``."""
    rng = np.random.default_rng(seed)
    wnids = [f"n{i:08d}" for i in range(1000)]
    for split in ("train", "val"):
        for k, wnid in enumerate(wnids):
            folder = os.path.join(root, "imagenet", split, wnid)
            os.makedirs(folder, exist_ok=True)
            if k < with_images:
                for i in range(per_class):
                    _write_jpeg(os.path.join(folder, f"{wnid}_{i}.JPEG"), rng, size)
    return wnids
