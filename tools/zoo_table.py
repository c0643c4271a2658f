#!/usr/bin/env python
"""Regenerates the README's "Model zoo" table from model_zoo/manifest.json (--check: exit 1 if stale).

    python tools/zoo_table.py [--check]
"""
import argparse
import os
import sys

from adakd.model_zoo import list_entries
from adakd.model_zoo.readme_table import replace_table
from adakd.utils.atomic_write import atomic_open

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    with open(README) as f:
        current = f.read()
    updated = replace_table(current, list_entries())
    if args.check:
        if updated != current:
            sys.exit("README.md's model zoo table differs from model_zoo/manifest.json: run tools/zoo_table.py")
        return
    with atomic_open(README, "w") as f:
        f.write(updated)


if __name__ == "__main__":
    main()
