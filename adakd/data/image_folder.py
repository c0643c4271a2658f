"""ImageNet-style classification datasets stored as class folders, read from a local folder.

- ImageNet-1K (ILSVRC2012) as torchvision lays it out: ``imagenet/{train,val}/<wnid>/*.JPEG``.
- Tiny-ImageNet (the paper's ImageNet-200) as distributed: ``tiny-imagenet-200/wnids.txt``,
  ``train/<wnid>/images/*.JPEG`` and ``val/images/*.JPEG`` labelled by ``val/val_annotations.txt``.
"""
import os

IMAGE_EXTENSIONS = (".jpeg", ".jpg", ".png", ".bmp")


def _images_under(folder):
    found = []
    for dirpath, _, filenames in os.walk(folder):
        found += [os.path.join(dirpath, f) for f in filenames if f.lower().endswith(IMAGE_EXTENSIONS)]
    return sorted(found)


def _require_dir(folder, dataset, layout):
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{dataset}: {folder} does not exist. Expected layout: {layout}")


def load_image_folder(folder, class_names=None, dataset="image folder"):
    """Dataset dicts ``{"file_name", "label", "image_id"}`` for ``folder/<class>/**/<image>``; classes are the
    sorted sub-folder names unless ``class_names`` fixes them (a folder outside it is an error)."""
    _require_dir(folder, dataset, f"{folder}/<class>/<image>.JPEG")
    present = sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d)))
    if class_names is None:
        class_names = present
    unknown = sorted(set(present) - set(class_names))
    if unknown:
        raise ValueError(f"{dataset}: {folder} has class folders {unknown[:5]} that are not among its "
                         f"{len(class_names)} classes")
    dicts = []
    for label, name in enumerate(class_names):
        for path in _images_under(os.path.join(folder, name)):
            dicts.append({"file_name": path, "label": label, "image_id": len(dicts)})
    if not dicts:
        raise FileNotFoundError(f"{dataset}: no images ({', '.join(IMAGE_EXTENSIONS)}) under {folder}/<class>/")
    return dicts


def tiny_imagenet_classes(root):
    path = os.path.join(root, "wnids.txt")
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"ImageNet-200: {path} not found. Extract tiny-imagenet-200.zip "
            f"(http://cs231n.stanford.edu/tiny-imagenet-200.zip) so that {root}/wnids.txt, {root}/train/<wnid>/images/ "
            f"and {root}/val/val_annotations.txt exist"
        )
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def load_tiny_imagenet(root, split):
    """Tiny-ImageNet ``split`` ("train" / "val") as dataset dicts; labels index the sorted wnids."""
    classes = sorted(tiny_imagenet_classes(root))
    if split == "train":
        return load_image_folder(os.path.join(root, "train"), classes, "ImageNet-200")
    annotations = os.path.join(root, "val", "val_annotations.txt")
    if not os.path.isfile(annotations):
        raise FileNotFoundError(f"ImageNet-200: {annotations} not found (it labels {root}/val/images/*.JPEG)")
    index = {wnid: i for i, wnid in enumerate(classes)}
    dicts = []
    with open(annotations) as f:
        for line_number, line in enumerate(f, 1):
            fields = line.split("\t")
            if len(fields) < 2 or fields[1] not in index:
                raise ValueError(f"ImageNet-200: {annotations}:{line_number} does not name an image and a known "
                                 f"wnid: {line.strip()!r}")
            path = os.path.join(root, "val", "images", fields[0])
            if not os.path.isfile(path):
                raise FileNotFoundError(f"ImageNet-200: {path} (listed in {annotations}) does not exist")
            dicts.append({"file_name": path, "label": index[fields[1]], "image_id": len(dicts)})
    return dicts
