#!/usr/bin/env python
"""Train or evaluate an AdaptiveKD LazyConfig; the flags are detectron2's.

    tools/lazyconfig_train_net.py --config-file projects/AdaptiveKD/configs/shapes_student.py
    tools/lazyconfig_train_net.py --config-file projects/AdaptiveKD/configs/coco_adaptive.py --num-gpus 8
    tools/lazyconfig_train_net.py --config-file CFG --eval-only train.init_checkpoint=model.pth
    tools/lazyconfig_train_net.py --config-file CFG --resume      # continue output_dir's last checkpoint exactly

A distillation run also writes ``<checkpoint>_student.pth`` (the student alone) next to each checkpoint: evaluate
it with the student's config. ``--eval-only`` refuses weights that leave model parameters missing unless
``--allow-missing-weights`` is given. Weights (``train.init_checkpoint``, a distillation teacher's
``model.teacher_weights``) that cannot be found, fetched or read, and a dataset folder or annotation file that
does not exist, are a one-line error naming them.
Overrides are ``key=value``; a key the config does not have is an error (``+key=value`` adds one).
Without a GPU the job runs on the CPU, and several processes (``--num-gpus N``) use the gloo backend.
"""
import logging
import os
import sys

from detectron2.config import LazyConfig
from detectron2.engine import default_argument_parser, default_setup, launch

from adakd.checkpoint.atomic_checkpointer import CheckpointLoadError
from adakd.config import apply_checked_overrides, check_dataset_names
from adakd.engine.lazy_train import MissingWeightsError, do_eval_only, do_train, resolve_device
from adakd.engine.stream_state import ProcessCountError

logger = logging.getLogger("adakd")


def load_config(args):
    if not args.config_file:
        raise SystemExit("--config-file is required")
    if not os.path.isfile(args.config_file):
        raise SystemExit(f"Config file {args.config_file!r} does not exist")
    cfg = LazyConfig.load(args.config_file)
    cfg = apply_checked_overrides(cfg, args.opts)
    check_dataset_names(cfg)
    return cfg


def main(args):
    cfg = load_config(args)
    resolve_device(cfg)
    default_setup(cfg, args)
    if args.eval_only and not cfg.train.init_checkpoint:
        raise SystemExit("--eval-only needs weights: pass train.init_checkpoint=<path or URL>")
    try:
        if args.eval_only:
            return do_eval_only(cfg, allow_missing=args.allow_missing_weights)
        do_train(cfg, resume=args.resume)
    # The message names the file, or (ProcessCountError) the process counts of a --resume with another --num-gpus.
    except (MissingWeightsError, CheckpointLoadError, FileNotFoundError, ProcessCountError) as e:
        raise SystemExit(f"Error: {e}")


def argument_parser():
    parser = default_argument_parser()
    parser.add_argument("--allow-missing-weights", action="store_true",
                        help="with --eval-only: evaluate even if the weights leave model parameters missing")
    return parser


def cli(argv=None):
    args = argument_parser().parse_args(argv)
    try:
        load_config(args)  # fail fast, before any process is spawned
    except (KeyError, ValueError) as e:
        sys.exit(f"Error: {e.args[0] if e.args else e}")
    launch(
        main,
        args.num_gpus,
        num_machines=args.num_machines,
        machine_rank=args.machine_rank,
        dist_url=args.dist_url,
        args=(args,),
    )


if __name__ == "__main__":
    cli()
