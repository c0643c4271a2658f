"""COCOEvaluator (pure-python pycocotools) on known cases: perfect boxes, boxes of known IoU, and the shapes
configs' evaluator on realistic predictions against pycocotools' COCOeval run directly."""
import contextlib
import copy
import io
import json
import os

import numpy as np
import pytest
import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.evaluation import COCOEvaluator
from detectron2.structures import Boxes, BoxMode, Instances
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from adakd.data.shapes import SHAPES_CLASSES


def _predictions(dicts, transform_box):
    inputs, outputs = [], []
    for d in dicts:
        boxes = [transform_box(BoxMode.convert(a["bbox"], a["bbox_mode"], BoxMode.XYXY_ABS)) for a in d["annotations"]]
        instances = Instances((d["height"], d["width"]))
        instances.pred_boxes = Boxes(torch.tensor(boxes, dtype=torch.float32))
        instances.scores = torch.linspace(0.9, 0.5, len(boxes))
        instances.pred_classes = torch.tensor([a["category_id"] for a in d["annotations"]])
        inputs.append({"image_id": d["image_id"]})
        outputs.append({"instances": instances})
    return inputs, outputs


def _evaluate(dicts, transform_box, tmp_path):
    evaluator = COCOEvaluator("tiny_shapes_val", tasks=("bbox",), use_fast_impl=False, output_dir=str(tmp_path))
    evaluator.reset()
    evaluator.process(*_predictions(dicts, transform_box))
    return evaluator.evaluate()["bbox"]


@pytest.fixture
def val_dicts(tiny_shapes):
    return copy.deepcopy(DatasetCatalog.get("tiny_shapes_val"))


def test_ground_truth_as_predictions_gives_ap_100(val_dicts, tmp_path):
    results = _evaluate(val_dicts, lambda b: b, tmp_path)
    assert results["AP"] == pytest.approx(100.0)
    assert results["AP50"] == pytest.approx(100.0)


def test_shifted_boxes_give_the_ap_of_their_iou(val_dicts, tmp_path):
    # Shift each box right by s·w: IoU = (1 - s) / (1 + s). With s = 0.2346, IoU = 0.61996 for every box.
    # Of COCO's thresholds 0.50:0.05:0.95 exactly three (0.50, 0.55, 0.60) accept it, and where every box
    # matches, precision is 1 at every recall: AP = 3/10 = 30, AP50 = 100, AP75 = 0.
    def shift(box):
        x0, y0, x1, y1 = box
        dx = (x1 - x0) * 0.2346
        return [x0 + dx, y0, x1 + dx, y1]

    results = _evaluate(val_dicts, shift, tmp_path)
    assert results["AP50"] == pytest.approx(100.0)
    assert results["AP75"] == pytest.approx(0.0)
    assert results["AP"] == pytest.approx(30.0)


CONFIG_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "projects/AdaptiveKD/configs")


@pytest.mark.parametrize("config", ["shapes_student.py", "coco_student.py", "cityscapes_student.py"])
def test_configs_leave_the_fast_cocoeval_to_detectron2(config):
    # detectron2 uses its compiled COCOeval when it imports (a source build) and pycocotools otherwise; a config
    # that sets use_fast_impl=False would deny the compiled one to a user who has it.
    evaluator = LazyConfig.load(os.path.join(CONFIG_DIR, config)).dataloader.evaluator
    assert evaluator.get("use_fast_impl", True) is True


def test_shapes_evaluator_picks_the_compiled_cocoeval_when_it_imports_and_falls_back_otherwise(tiny_shapes,
                                                                                               monkeypatch):
    from detectron2.evaluation import coco_evaluation

    cfg = LazyConfig.load(os.path.join(CONFIG_DIR, "shapes_student.py")).dataloader.evaluator
    cfg.dataset_name = "tiny_shapes_val"
    try:
        import detectron2._C  # noqa: F401

        compiled = True
    except ImportError:
        compiled = False
    assert instantiate(cfg)._use_fast_impl is compiled

    class CompiledCOCOeval(COCOeval):  # what detectron2 imports from its extension in a source build
        pass

    monkeypatch.setattr(coco_evaluation, "COCOeval_opt", CompiledCOCOeval)
    assert instantiate(cfg)._use_fast_impl is True


def _realistic_detections(dicts, num_classes, seed=0):
    """Per image, detections ``(x, y, w, h, score, contiguous class)`` as a detector gives them: most objects found
    with boxes of varying IoU, some missed, some given the wrong class, some found twice, background false
    positives of every size, and the first and last images without any detection. Coordinates are multiples of
    1/8 and scores of 1/4096 (exact in float32 and in either box mode), all scores distinct."""
    rng = np.random.default_rng(seed)
    scores = iter((rng.permutation(4000) + 1) / 4096)
    eighth = lambda v: float(np.round(v * 8) / 8)  # noqa: E731
    detections = []
    for index, d in enumerate(dicts):
        found = []
        if 0 < index < len(dicts) - 1:
            for a in d["annotations"]:
                x, y, w, h = BoxMode.convert(a["bbox"], a["bbox_mode"], BoxMode.XYWH_ABS)
                draw = rng.random()
                if draw < 0.15:
                    continue  # missed
                cls = a["category_id"]
                if draw < 0.3:
                    cls = int((cls + rng.integers(1, num_classes)) % num_classes)  # wrong class
                for _ in range(2 if rng.random() < 0.2 else 1):  # sometimes found twice
                    spread = rng.choice([0.02, 0.08, 0.2])  # tight, fair or loose: IoU from ~0.95 to below 0.5
                    dx, dy = rng.uniform(-spread, spread, 2) * (w, h)
                    sw, sh = np.exp(rng.uniform(-spread, spread, 2))
                    found.append((eighth(x + dx), eighth(y + dy), eighth(w * sw), eighth(h * sh), cls))
            for _ in range(int(rng.integers(1, 4))):  # background: small, medium and large false positives
                w, h = rng.uniform(4, 100, 2)
                x, y = rng.uniform(0, d["width"] - w), rng.uniform(0, d["height"] - h)
                found.append((eighth(x), eighth(y), eighth(w), eighth(h), int(rng.integers(num_classes))))
        detections.append([(x, y, w, h, float(next(scores)), cls) for x, y, w, h, cls in found])
    return detections


def _percent(stat):
    """pycocotools' summary statistic in percent; it writes -1 where no ground truth falls in the range."""
    return 100 * stat if stat >= 0 else float("nan")


def _pycocotools_results(gt_json, detections_json, category_ids=None):
    coco_gt = COCO(gt_json)
    coco_eval = COCOeval(coco_gt, coco_gt.loadRes(detections_json), "bbox")
    if category_ids is not None:
        coco_eval.params.catIds = category_ids
    with contextlib.redirect_stdout(io.StringIO()):
        coco_eval.evaluate()
        coco_eval.accumulate()
        coco_eval.summarize()
    return [_percent(s) for s in coco_eval.stats[:6]]


def test_shapes_evaluator_on_realistic_predictions_equals_pycocotools(val_dicts, tmp_path):
    gt_json = MetadataCatalog.get("tiny_shapes_val").json_file
    with open(gt_json) as f:
        category_id = {c["name"]: c["id"] for c in json.load(f)["categories"]}
    detections = _realistic_detections(val_dicts, len(SHAPES_CLASSES))
    assert not detections[0] and not detections[-1] and sum(map(len, detections)) > 3 * len(val_dicts)

    # The configs' evaluator, fed model outputs (boxes XYXY, contiguous classes), one image at a time.
    cfg = LazyConfig.load(os.path.join(CONFIG_DIR, "shapes_student.py")).dataloader.evaluator
    cfg.dataset_name = "tiny_shapes_val"
    evaluator = instantiate(cfg)
    evaluator.reset()
    for d, found in zip(val_dicts, detections):
        instances = Instances((d["height"], d["width"]))
        instances.pred_boxes = Boxes(torch.tensor([[x, y, x + w, y + h] for x, y, w, h, _, _ in found],
                                                  dtype=torch.float32).reshape(-1, 4))
        instances.scores = torch.tensor([s for *_, s, _ in found], dtype=torch.float32)
        instances.pred_classes = torch.tensor([c for *_, c in found], dtype=torch.int64)
        evaluator.process([{"image_id": d["image_id"]}], [{"instances": instances}])
    results = evaluator.evaluate()["bbox"]

    # pycocotools directly: the same detections as COCO result json (category ids of the ground-truth json).
    detections_json = tmp_path / "detections.json"
    detections_json.write_text(json.dumps([
        {"image_id": d["image_id"], "category_id": category_id[SHAPES_CLASSES[c]], "bbox": [x, y, w, h], "score": s}
        for d, found in zip(val_dicts, detections) for x, y, w, h, s, c in found
    ]))
    expected = _pycocotools_results(gt_json, str(detections_json))
    print(f"pycocotools AP, AP50, AP75, APs, APm, APl: {np.round(expected, 3).tolist()}")
    assert 10 < expected[0] < 90, expected  # a realistic case, neither empty nor perfect
    actual = [results[k] for k in ("AP", "AP50", "AP75", "APs", "APm", "APl")]
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-6, equal_nan=True)

    # Per class: COCOeval restricted to that category (-1, i.e. NaN, for a class without ground truth).
    expected_per_class = [_pycocotools_results(gt_json, str(detections_json), [category_id[name]])[0]
                          for name in SHAPES_CLASSES]
    actual_per_class = [results[f"AP-{name}"] for name in SHAPES_CLASSES]
    print(f"pycocotools per-class AP: {dict(zip(SHAPES_CLASSES, np.round(expected_per_class, 3).tolist()))}")
    assert len(set(np.round(expected_per_class, 3))) > 2, expected_per_class
    np.testing.assert_allclose(actual_per_class, expected_per_class, rtol=0, atol=1e-6, equal_nan=True)
