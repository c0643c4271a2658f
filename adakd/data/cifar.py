"""CIFAR-10 / CIFAR-100 from the standard "python version" pickles (Krizhevsky 2009), read from a local
folder; nothing is downloaded.

Each batch file holds ``data`` (N, 3072) uint8 rows of R, G and B planes of a 32×32 image and the labels.
The files are pickles: they are read with an unpickler that only rebuilds numpy arrays, so a tampered file
cannot run code.
"""
import io
import os
import pickle

import numpy as np

CIFAR_LAYOUTS = {
    # name: (folder under the datasets root, {split: batch files}, label key, meta file, class-names key)
    "cifar10": (
        "cifar-10-batches-py",
        {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]},
        "labels", "batches.meta", "label_names",
    ),
    "cifar100": ("cifar-100-python", {"train": ["train"], "test": ["test"]}, "fine_labels", "meta", "fine_label_names"),
    # The embedded benchmark (adakd/data/shapes_classification.py): CIFAR-10's format, one training batch.
    "shapes_cls": ("shapes_cls", {"train": ["data_batch_1"], "test": ["test_batch"]}, "labels", "batches.meta",
                   "label_names"),
}
DOWNLOAD_HINT = {
    "cifar10": "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    "cifar100": "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
}


class _ArrayUnpickler(pickle.Unpickler):
    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        ("_codecs", "encode"),  # how Python 3 writes bytes at pickle protocol 2
    }

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}: a CIFAR batch holds only arrays")
        return super().find_class(module, name)


def _read_batch(path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        batch = _ArrayUnpickler(io.BytesIO(data), encoding="bytes").load()
    except Exception as e:
        raise RuntimeError(f"CIFAR batch {path} is unreadable (corrupt or not a CIFAR python pickle): {e}") from e
    # The official files were pickled by Python 2: keys come back as bytes.
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in batch.items()}


def load_cifar_class_names(folder, variant):
    _, _, _, meta_file, names_key = CIFAR_LAYOUTS[variant]
    meta = _read_batch(os.path.join(folder, meta_file))
    return [n.decode() if isinstance(n, bytes) else str(n) for n in meta[names_key]]


def load_cifar(folder, variant, split):
    """Returns detectron2 dataset dicts ``{"image": (32, 32, 3) uint8 RGB, "label", "image_id", "height",
    "width"}`` of ``split`` ("train" / "test") of ``variant`` (a key of CIFAR_LAYOUTS) stored in ``folder``."""
    _, files, label_key, meta_file, _ = CIFAR_LAYOUTS[variant]
    expected = files[split] + [meta_file]
    missing = [f for f in expected if not os.path.isfile(os.path.join(folder, f))]
    if missing:
        raise FileNotFoundError(
            f"{variant}: {folder} lacks {missing}. Put the extracted python version of the dataset there "
            f"({DOWNLOAD_HINT.get(variant, 'see datasets/README.md')}): {folder}/{{{', '.join(expected)}}}"
        )
    images, labels = [], []
    for name in files[split]:
        path = os.path.join(folder, name)
        batch = _read_batch(path)
        if "data" not in batch or label_key not in batch:
            raise RuntimeError(f"CIFAR batch {path} has no 'data' / {label_key!r} entries (keys: {sorted(batch)})")
        data = np.asarray(batch["data"], dtype=np.uint8)
        if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(batch[label_key]) != len(data):
            raise RuntimeError(f"CIFAR batch {path}: data of shape {data.shape} with {len(batch[label_key])} "
                               f"labels; expected (N, 3072) and N labels")
        images.append(data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        labels.extend(int(v) for v in batch[label_key])
    images = np.concatenate(images)
    return [
        {"image": np.ascontiguousarray(image), "label": label, "image_id": i, "height": 32, "width": 32}
        for i, (image, label) in enumerate(zip(images, labels))
    ]
