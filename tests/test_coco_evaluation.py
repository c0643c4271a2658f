"""COCOEvaluator (pure-python pycocotools) on a known case: perfect boxes, and boxes of known IoU."""
import copy
import os

import pytest
import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.data import DatasetCatalog
from detectron2.evaluation import COCOEvaluator
from detectron2.structures import Boxes, BoxMode, Instances
from pycocotools.cocoeval import COCOeval


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
