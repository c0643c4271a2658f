#!/usr/bin/env python
"""Runs a model zoo entry (or a config + weights) on image files or a folder and writes visualised PNGs
with detectron2's Visualizer: boxes with class and score for detectors, coloured masks for segmentation,
the top-1 class and its probability for classifiers.

    python tools/demo.py --zoo shapes_gfl_r18_adaptive --input datasets/shapes/val/images --output output/demo
    python tools/demo.py --config-file projects/AdaptiveKD/configs/shapes_sem_seg_student.py \\
        --weights zoo://shapes_semantic_fpn_r18_student --input a.png b.png --output output/demo

``--max-images N`` keeps the first N images (sorted by name); ``--grid FILE.png`` also writes all drawings
side by side in one picture (``--grid-columns`` per row), as the README's figures. ``--ground-truth DATASET``
(a registered detection dataset holding the images, e.g. shapes_val) also counts, per image and in all, the
objects the detector names right at the confidence threshold (adakd.evaluation.count_named_objects).

Prints, per image, the inference time and what was found. Runs on the CPU unless --device cuda is given.
"""
import argparse
import glob
import os
import time

import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.data import transforms as T
from detectron2.data.detection_utils import read_image
from detectron2.structures import BoxMode
from detectron2.utils.visualizer import Visualizer

from adakd import model_zoo
from adakd.checkpoint.atomic_checkpointer import CheckpointLoadError
from adakd.engine.lazy_train import MissingWeightsError, load_inference_weights
from adakd.evaluation import count_named_objects
from adakd.utils.atomic_write import atomic_open

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp")


def list_images(inputs):
    files = []
    for item in inputs:
        if os.path.isdir(item):
            files += sorted(f for f in glob.glob(os.path.join(item, "*")) if f.lower().endswith(IMAGE_EXTENSIONS))
        elif os.path.isfile(item):
            files.append(item)
        else:
            raise SystemExit(f"error: input {item!r} is neither an image file nor a folder")
    if not files:
        raise SystemExit(f"error: no images ({', '.join(IMAGE_EXTENSIONS)}) in {inputs}")
    return files


class Predictor:
    """The config's test-time preprocessing and model, on one image at a time (as DefaultPredictor)."""

    def __init__(self, cfg, weights, device, allow_missing=False):
        self.model = instantiate(cfg.model).to(device).eval()
        load_inference_weights(self.model, weights, allow_missing)  # missing parameters would draw noise
        mapper = cfg.dataloader.test.mapper
        self.input_format = mapper.image_format
        self.augmentations = T.AugmentationList([instantiate(a) for a in mapper.augmentations])
        self.device = device

    def __call__(self, image):
        height, width = image.shape[:2]
        aug_input = T.AugInput(image)
        self.augmentations(aug_input)
        tensor = torch.as_tensor(aug_input.image.astype("float32").transpose(2, 0, 1))
        with torch.no_grad():
            return self.model([{"image": tensor.to(self.device), "height": height, "width": width}])[0]


def describe_and_draw(output, image_rgb, metadata, threshold):
    # Small images (the shapes benchmark's 128 px) are drawn enlarged so that labels stay legible.
    visualizer = Visualizer(image_rgb, metadata, scale=max(1.0, 512 / max(image_rgb.shape[:2])))
    if "instances" in output:
        instances = output["instances"].to("cpu")
        instances = instances[instances.scores >= threshold]
        names = metadata.get("thing_classes", None)
        found = [names[c] if names else str(c) for c in instances.pred_classes.tolist()]
        return visualizer.draw_instance_predictions(instances), f"{len(instances)} detections {found}"
    if "logits" in output:  # image classification: the top-1 class and its probability
        probabilities = output["logits"].softmax(dim=0).to("cpu")
        top = int(probabilities.argmax())
        classes = metadata.get("classes", None)
        label = f"{classes[top] if classes else top} {float(probabilities[top]):.0%}"
        visualizer.draw_text(label, (4, 4), horizontal_alignment="left")
        return visualizer.output, f"top-1 {label}"
    labels = output["sem_seg"].argmax(dim=0).to("cpu")
    classes = metadata.get("stuff_classes", None)
    present = [classes[c] if classes else str(c) for c in labels.unique().tolist()]
    return visualizer.draw_sem_seg(labels), f"classes present {present}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--zoo", help="model zoo entry name")
    source.add_argument("--config-file", help="LazyConfig file (with --weights)")
    parser.add_argument("--weights", help="checkpoint path, URL or zoo://<entry>")
    parser.add_argument("--input", nargs="+", required=True, help="image files or folders")
    parser.add_argument("--output", required=True, help="folder for the visualised PNGs")
    parser.add_argument("--confidence-threshold", type=float, default=0.3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--allow-missing-weights", action="store_true",
                        help="draw even if the weights leave model parameters missing (at their initial values)")
    parser.add_argument("--max-images", type=int, default=None, help="only the first N images")
    parser.add_argument("--grid", help="also write every drawing in one picture (.png, or .jpg to keep it small)")
    parser.add_argument("--grid-columns", type=int, default=4)
    parser.add_argument("--ground-truth", metavar="DATASET",
                        help="registered detection dataset of the images: count the objects named right")
    args = parser.parse_args()
    if args.max_images is not None and args.max_images < 1:
        parser.error("--max-images must be at least 1")
    if args.grid_columns < 1:
        parser.error("--grid-columns must be at least 1")
    if args.grid and os.path.splitext(args.grid)[1].lower() not in (".png", ".jpg", ".jpeg"):
        parser.error(f"--grid {args.grid!r}: the picture must end in .png, .jpg or .jpeg")

    if args.zoo:
        cfg, weights = model_zoo.get_config(args.zoo), model_zoo.get_checkpoint(args.zoo)
    else:
        if not args.weights:
            parser.error("--config-file needs --weights")
        cfg, weights = LazyConfig.load(args.config_file), args.weights
    try:
        predictor = Predictor(cfg, weights, args.device, args.allow_missing_weights)
    except (CheckpointLoadError, MissingWeightsError) as e:  # the message names the file: no traceback
        raise SystemExit(f"error: {e}")
    metadata = MetadataCatalog.get(cfg.dataloader.test.dataset.names)
    truth = ground_truth(args.ground_truth) if args.ground_truth else None
    os.makedirs(args.output, exist_ok=True)
    named = objects = wrong = 0

    drawings = []
    for path in list_images(args.input)[: args.max_images]:
        image = read_image(path, format=predictor.input_format)
        start = time.perf_counter()
        output = predictor(image)
        seconds = time.perf_counter() - start
        image_rgb = image[:, :, ::-1] if predictor.input_format == "BGR" else image
        drawing, found = describe_and_draw(output, image_rgb, metadata, args.confidence_threshold)
        if truth is not None:
            counts = named_in_image(output, truth, path, args.confidence_threshold)
            named, objects, wrong = named + counts[0], objects + counts[1], wrong + counts[2]
            found += f", names {counts[0]} of {counts[1]} objects right, {counts[2]} wrong detections"
        out_path = os.path.join(args.output, os.path.splitext(os.path.basename(path))[0] + ".png")
        drawings.append(drawing.get_image())
        with atomic_open(out_path, "wb") as f:
            f.write(_encode(drawings[-1], ".png"))
        print(f"{path}: {seconds * 1000:.1f} ms, {found} -> {out_path}", flush=True)
    if args.grid:
        with atomic_open(args.grid, "wb") as f:
            f.write(_encode(grid(drawings, args.grid_columns), os.path.splitext(args.grid)[1].lower()))
        print(f"{len(drawings)} drawings side by side -> {args.grid}")
    if truth is not None:
        print(f"named {named} of {objects} objects right ({100.0 * named / max(objects, 1):.0f} %) at score >= "
              f"{args.confidence_threshold}, {wrong} wrong detections, on {len(drawings)} images of {args.ground_truth}")


def ground_truth(dataset):
    """Image file name -> (XYXY boxes, classes) of a registered detection dataset."""
    if dataset not in DatasetCatalog.list():
        raise SystemExit(f"error: --ground-truth {dataset!r} is not a registered dataset")
    truth = {}
    for record in DatasetCatalog.get(dataset):
        boxes = [BoxMode.convert(a["bbox"], a["bbox_mode"], BoxMode.XYXY_ABS) for a in record.get("annotations", [])]
        classes = [a["category_id"] for a in record.get("annotations", [])]
        truth[os.path.basename(record["file_name"])] = (torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
                                                        torch.tensor(classes, dtype=torch.int64))
    return truth


def named_in_image(output, truth, path, threshold):
    """(objects named right, objects, wrong detections) of one image against ``truth``."""
    if "instances" not in output:
        raise SystemExit("error: --ground-truth counts detections; this model does not detect")
    if os.path.basename(path) not in truth:
        raise SystemExit(f"error: {path} is not an image of the --ground-truth dataset")
    gt_boxes, gt_classes = truth[os.path.basename(path)]
    instances = output["instances"].to("cpu")
    right, wrong = count_named_objects(instances.pred_boxes.tensor, instances.pred_classes, instances.scores,
                                       gt_boxes, gt_classes, score_threshold=threshold)
    return right, len(gt_boxes), wrong


def grid(images, columns):
    """RGB images (resized to the first one's size) in rows of ``columns``, separated by 4 white pixels."""
    import cv2
    import numpy as np

    height, width = images[0].shape[:2]
    rows = -(-len(images) // columns)
    columns = min(columns, len(images))
    canvas = np.full((rows * (height + 4) - 4, columns * (width + 4) - 4, 3), 255, np.uint8)
    for k, image in enumerate(images):
        if image.shape[:2] != (height, width):
            image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
        y, x = (k // columns) * (height + 4), (k % columns) * (width + 4)
        canvas[y : y + height, x : x + width] = image
    return canvas


def _encode(image_rgb, extension):
    import cv2

    ok, encoded = cv2.imencode(extension, image_rgb[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        raise RuntimeError(f"{extension} encoding failed")
    return encoded.tobytes()


if __name__ == "__main__":
    main()
