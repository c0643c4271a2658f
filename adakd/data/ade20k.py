"""ADE20K SceneParsing labels in the form detectron2's builtin ``ade20k_sem_seg_*`` reads.

The official ``annotations/*.png`` store 0 for "other objects" and 1..150 for the classes; detectron2's
loader and SemSegEvaluator expect 0..149 for the classes and 255 (ignore) for "other".
"""
import os
import shutil
import tempfile

import numpy as np
from PIL import Image

SPLITS = ("training", "validation")
IGNORE_LABEL = 255


def convert_ade20k_labels(labels):
    """uint8 array: 0 → 255 (ignored), k → k − 1."""
    labels = np.asarray(labels)
    if labels.max(initial=0) > 150:
        raise ValueError(f"ADE20K SceneParsing labels are 0..150, found {int(labels.max())}")
    return np.where(labels == 0, IGNORE_LABEL, labels.astype(np.int16) - 1).astype(np.uint8)


def prepare_ade20k_sem_seg(root):
    """Writes ``root/annotations_detectron2/{training,validation}/*.png`` from ``root/annotations/``.

    Each split is written into a temporary directory that is renamed into place when complete, so an
    interrupted run leaves no partial split behind. Returns the number of files written per split.
    """
    counts = {}
    for split in SPLITS:
        src = os.path.join(root, "annotations", split)
        if not os.path.isdir(src):
            raise FileNotFoundError(
                f"{src} does not exist: unpack ADEChallengeData2016.zip (ADE20K SceneParsing) so that "
                f"{root} holds images/ and annotations/"
            )
        dst = os.path.join(root, "annotations_detectron2", split)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=f".{split}-tmp-", dir=os.path.dirname(dst))
        try:
            names = sorted(n for n in os.listdir(src) if n.endswith(".png"))
            for name in names:
                try:
                    labels = convert_ade20k_labels(Image.open(os.path.join(src, name)))
                except ValueError as e:
                    raise ValueError(f"{os.path.join(src, name)}: {e}") from e
                Image.fromarray(labels).save(os.path.join(tmp, name))
            if os.path.exists(dst):
                shutil.rmtree(dst)
            os.rename(tmp, dst)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        counts[split] = len(names)
    return counts
