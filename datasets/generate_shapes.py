#!/usr/bin/env python
"""Generates the embedded shapes benchmark (also done on first use of any ``shapes_*`` dataset).

    python datasets/generate_shapes.py                  # into $DETECTRON2_DATASETS/shapes (default ./datasets)
    python datasets/generate_shapes.py --root /tmp/shapes --num-train 100 --num-val 20
"""
import argparse

from adakd.data.shapes import ShapesSpec, default_root, ensure_shapes


def main():
    defaults = ShapesSpec()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=default_root())
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--num-train", type=int, default=defaults.num_train)
    parser.add_argument("--num-val", type=int, default=defaults.num_val)
    args = parser.parse_args()
    spec = ShapesSpec(seed=args.seed, num_train=args.num_train, num_val=args.num_val)
    print(ensure_shapes(args.root, spec))


if __name__ == "__main__":
    main()
