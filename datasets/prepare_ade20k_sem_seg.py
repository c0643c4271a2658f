#!/usr/bin/env python
"""Converts ADE20K SceneParsing annotations to the labels detectron2's ``ade20k_sem_seg_*`` expect
(0..149 for the 150 classes, 255 for "other"), into ``ADEChallengeData2016/annotations_detectron2/``.

    python datasets/prepare_ade20k_sem_seg.py            # root: $DETECTRON2_DATASETS/ADEChallengeData2016
    python datasets/prepare_ade20k_sem_seg.py --root /data/ADEChallengeData2016
"""
import argparse
import os
import sys

from adakd.data.ade20k import prepare_ade20k_sem_seg


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = os.path.join(os.path.expanduser(os.getenv("DETECTRON2_DATASETS", "datasets")), "ADEChallengeData2016")
    parser.add_argument("--root", default=default)
    args = parser.parse_args()
    try:
        counts = prepare_ade20k_sem_seg(args.root)
    except (FileNotFoundError, ValueError) as e:
        sys.exit(f"error: {e}")
    for split, n in counts.items():
        print(f"{split}: {n} label images -> {os.path.join(args.root, 'annotations_detectron2', split)}")


if __name__ == "__main__":
    main()
