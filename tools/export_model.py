#!/usr/bin/env python
"""Exports a detector (GFL, RetinaNet), a Semantic FPN or a classifier to TorchScript or ONNX, as detectron2's
tools/deploy/export_model.py does (tracing), checks the file against the PyTorch model on a sample image and,
with --run-eval, evaluates the file on the config's test set with the config's evaluator.

    python tools/export_model.py --zoo shapes_gfl_r18_adaptive --format onnx --output output/export/gfl --run-eval
    python tools/export_model.py --config-file projects/AdaptiveKD/configs/shapes_adaptive.py \\
        --format torchscript --output output/export/gfl train.init_checkpoint=output/shapes_adaptive/model_final.pth

The file (``model.onnx`` or ``model.ts`` in --output) takes one image (C, H, W), float32, in the test mapper's
channel order (BGR for the shapes configs), already resized as the mapper resizes it, of any height and width,
and returns ``boxes``, ``scores``, ``classes`` (a detector; boxes in the input image's pixels), ``sem_seg``
(per-pixel logits) or ``logits`` (a classifier). A distillation config or checkpoint exports the student alone.
adakd.deploy.ExportedModel runs the file on detectron2's batched inputs (what --run-eval evaluates).

--sample-image is the image the model is traced on (default: the first image of the config's test set). With
--zoo, --run-eval also applies the entry's evaluation overrides (its metrics_command, e.g. the teacher of a
classifier's agreement error) and compares the results with the entry's metrics. Overrides are ``key=value``
as in lazyconfig_train_net.py. Bad arguments, weights that cannot be loaded and a model that cannot be exported
are one line ``error: ...``; nothing is written to --output then.
"""
import argparse
import os
import shlex

import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.data import DatasetCatalog
from detectron2.data import transforms as T
from detectron2.data.detection_utils import read_image
from detectron2.utils.logger import setup_logger

from adakd import model_zoo
from adakd.checkpoint.atomic_checkpointer import CheckpointLoadError
from adakd.config import apply_checked_overrides
from adakd.deploy import (FORMATS, ExportedModel, ExportError, NotExportableError, build_deployable, export_model,
                          output_differences)
from adakd.deploy.parity import describe
from adakd.engine.lazy_train import MissingWeightsError, do_test

ZOO_TOLERANCE = 0.1  # metric points: an exported file reproduces its zoo entry within this


def argument_parser():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--zoo", metavar="ENTRY", help="model zoo entry name")
    source.add_argument("--config-file", help="LazyConfig file; weights: train.init_checkpoint=<path, URL or zoo://>")
    parser.add_argument("--format", required=True, choices=FORMATS)
    parser.add_argument("--output", required=True, help="folder for model.ts / model.onnx")
    parser.add_argument("--sample-image", help="image to trace on (default: the first image of the test set)")
    parser.add_argument("--run-eval", action="store_true",
                        help="evaluate the exported file on the config's test set with its evaluator")
    parser.add_argument("opts", nargs=argparse.REMAINDER, help="key=value config overrides")
    return parser


def evaluation_overrides(entry):
    """The ``key=value`` overrides of a zoo entry's metrics_command, but its weights and output folder."""
    return [token for token in shlex.split(entry.get("metrics_command") or "")
            if "=" in token and not token.startswith(("train.init_checkpoint=", "train.output_dir=", "-"))]


def load_config(args):
    """(config, weights) of --zoo or --config-file with the overrides."""
    if args.zoo:
        cfg, weights = model_zoo.get_config(args.zoo), model_zoo.get_checkpoint(args.zoo)
        overrides = (evaluation_overrides(model_zoo.get_entry(args.zoo)) if args.run_eval else []) + args.opts
        return apply_checked_overrides(cfg, overrides), weights
    if not os.path.isfile(args.config_file):
        raise FileNotFoundError(f"config file {args.config_file!r} does not exist")
    cfg = apply_checked_overrides(LazyConfig.load(args.config_file), args.opts)
    if not cfg.train.get("init_checkpoint"):
        raise ValueError("no weights: pass train.init_checkpoint=<path, URL or zoo://entry>")
    return cfg, cfg.train.init_checkpoint


def sample_image(cfg, path=None):
    """(image tensor (C, H, W) as the test mapper gives it, its description) of ``path`` or, without one, of the
    first record of the config's test set."""
    mapper = cfg.dataloader.test.mapper
    if path:
        image = read_image(path, format=mapper.get("image_format", "BGR"))
        aug_input = T.AugInput(image)
        T.AugmentationList([instantiate(a) for a in mapper.get("augmentations", [])])(aug_input)
        return torch.as_tensor(aug_input.image.astype("float32").transpose(2, 0, 1)), path
    names = cfg.dataloader.test.dataset.names
    name = names if isinstance(names, str) else names[0]
    record = DatasetCatalog.get(name)[0]
    image = instantiate(mapper)(record)["image"]
    return image.float(), record.get("file_name", f"the first image of {name}")


def reference_outputs(task, model, image):
    """The PyTorch model's outputs on ``image`` by the exported file's names."""
    with torch.no_grad():
        output = model([{"image": image}])[0]
    if task == "detection":
        instances = output["instances"]
        return {"boxes": instances.pred_boxes.tensor, "scores": instances.scores, "classes": instances.pred_classes}
    return output


def compare_with_zoo(entry, results):
    """Prints the exported file's metrics next to the zoo entry's; returns whether all are within tolerance."""
    within = True
    for key, expected in sorted((entry.get("metrics") or {}).items()):
        task, metric = key.split("/", 1)
        measured = results.get(task, {}).get(metric)
        if measured is None:
            print(f"  {key}: not measured (zoo {expected:.2f})")
            within = False
            continue
        ok = abs(measured - expected) <= ZOO_TOLERANCE
        within &= ok
        flag = "" if ok else "  <- differs"
        print(f"  {key}: {measured:.2f} (zoo {expected:.2f}, Δ {measured - expected:+.2f}){flag}")
    return within


def main(argv=None):
    args = argument_parser().parse_args(argv)
    # A missing sample image is found before anything is built or written.
    if args.sample_image and not os.path.isfile(args.sample_image):
        raise SystemExit(f"error: sample image {args.sample_image!r} does not exist")
    try:
        cfg, weights = load_config(args)
        task, model = build_deployable(cfg.model, weights)
        image, image_name = sample_image(cfg, args.sample_image)
        description = {"config": args.zoo or args.config_file, "weights": str(weights),
                       "input_format": cfg.dataloader.test.mapper.get("image_format")}
        path = export_model(model, image, args.format, args.output, description)
    except (KeyError, ValueError, FileNotFoundError, CheckpointLoadError, MissingWeightsError, NotExportableError,
            ExportError) as e:
        raise SystemExit(f"error: {e.args[0] if isinstance(e, KeyError) and e.args else e}")
    print(f"{args.format} file: {path} ({os.path.getsize(path) / 1e6:.2f} MB), {task}, "
          f"{type(model).__name__}, input (3, H, W) {description['input_format']}")
    exported = ExportedModel(path)
    differences = output_differences(task, reference_outputs(task, model, image), exported.run(image))
    print(f"exported vs PyTorch on {image_name} ({'×'.join(map(str, image.shape))}): {describe(task, differences)}")
    if not args.run_eval:
        return
    setup_logger(name="detectron2", abbrev_name="d2")
    setup_logger(name="adakd")
    cfg.train.output_dir = args.output  # eval_results.json goes next to the file
    if "output_dir" in cfg.dataloader.evaluator:
        cfg.dataloader.evaluator.output_dir = None  # no prediction dumps in --output
    results = do_test(cfg, exported)
    if args.zoo:
        entry = model_zoo.get_entry(args.zoo)
        print(f"exported {args.format} file vs zoo entry {args.zoo} (tolerance {ZOO_TOLERANCE}):")
        if not compare_with_zoo(entry, results):
            raise SystemExit(f"error: the exported file does not reproduce {args.zoo}'s metrics within {ZOO_TOLERANCE}")


if __name__ == "__main__":
    main()
