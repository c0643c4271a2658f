"""COCOEvaluator (pure-python pycocotools) on a known case: perfect boxes, and boxes of known IoU."""
import copy

import pytest
import torch
from detectron2.data import DatasetCatalog
from detectron2.evaluation import COCOEvaluator
from detectron2.structures import Boxes, BoxMode, Instances


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
