"""tools/assignment_coverage.py: positives per box under RetinaNet's IoU matcher and GFL's ATSS, on boxes
whose answer follows from the anchor layout."""
import importlib.util
import os

import torch
from detectron2.config import LazyConfig, instantiate

from adakd.config import apply_checked_overrides

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = os.path.join(ROOT, "projects/AdaptiveKD/configs")


def _tool():
    spec = importlib.util.spec_from_file_location("assignment_coverage", os.path.join(ROOT, "tools/assignment_coverage.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _model(config, *overrides):
    cfg = apply_checked_overrides(LazyConfig.load(os.path.join(CONFIGS, config)), list(overrides))
    return instantiate(cfg.model).eval()


def test_retinanet_box_equal_to_an_anchor_is_a_strong_match_and_a_thin_box_only_a_low_quality_one():
    tool = _tool()
    model = _model("shapes_retinanet_student.py")
    anchors = tool.level_anchors(model, 128, 128)
    # P4 (stride 16, offset 0) has a 16x16 square anchor centred at (32, 32): IoU 1 with this box.
    square = [24.0, 24.0, 40.0, 40.0]
    # 4 x 60 px: an anchor w_a wide and h_a high overlaps it by at most 4 * h_a within a union of at least
    # w_a * h_a, so IoU <= 4 / w_a; the narrowest anchor (16 px at aspect 2) is 16 / sqrt(2) = 11.3 px wide:
    # IoU <= 0.35 < 0.5, and its positives can only be low-quality matches.
    thin = [62.0, 34.0, 66.0, 94.0]
    counts, low_only = tool.positives_per_box(model, anchors, torch.tensor([square, thin]))
    assert counts[0, 1] >= 1 and not low_only[0]
    assert counts[1].sum() >= 1 and low_only[1]
    assert counts.shape == (2, 5)


def test_atss_puts_every_shapes_sized_box_on_p3_with_8_stride_anchors():
    tool = _tool()
    model = _model("shapes_student.py", "model.anchor_generator.sizes=[[64],[128],[256],[512],[1024]]")
    anchors = tool.level_anchors(model, 128, 128)
    assert [len(a) for a in anchors] == [256, 64, 16, 4, 1]
    # Anchors are 8 strides wide: 64 px on P3, 128 px on P4, centred at (i + 0.5) strides. A box of side
    # s <= 64 centred on a P3 anchor centre (60, 60) overlaps that anchor by s^2 / 64^2 and any P4 anchor by
    # at most s^2 / 128^2, four times less (P5-P7 less still): the candidates' IoU threshold (mean + std) of
    # ATSS lies between, and only P3 anchors pass it.
    for side in (16, 32, 48, 64):  # one image each: concentric boxes in one image compete for the same anchors
        box = torch.tensor([[60.0 - side / 2, 60.0 - side / 2, 60.0 + side / 2, 60.0 + side / 2]])
        counts, low_only = tool.positives_per_box(model, anchors, box)
        assert counts[0, 0] >= 1 and (counts[0, 1:] == 0).all(), (side, counts)
        assert not low_only.any()


def test_the_shipped_2_5_stride_anchor_spreads_boxes_over_p3_p4_p5():
    tool = _tool()
    model = _model("shapes_student.py")
    anchors = tool.level_anchors(model, 128, 128)
    # Anchors of 20, 40, 80 px on P3-P5, centred at (i + 0.5) strides: 60 on P3, 56 / 72 on P4, 48 / 80 on P5.
    # A box centred at (60, 60):
    # - 16 px: the P3 anchor there has IoU 256 / 400 = 0.64, the nearest P4 anchor (which contains the box) 256 /
    #   1600 = 0.16, P5 0.04: only P3 passes ATSS's mean + std threshold (its P3 neighbours' centres lie on the
    #   box's edge, not inside it);
    # - 40 px: the nearest P4 anchors (4 px off) have IoU 36^2 / (2 * 1600 - 36^2) = 0.68, the P3 anchors inside
    #   the box 400 / 1600 = 0.25 and the P5 anchor around it 0.25: P4 only;
    # - 80 px: the four nearest P5 anchors (12 px off in x and y) have 68^2 / (2 * 6400 - 68^2) = 0.57, the P4
    #   ones inside it 0.25, P3 0.06: P5 only.
    for side, level in ((16, 0), (40, 1), (80, 2)):
        box = torch.tensor([[60.0 - side / 2, 60.0 - side / 2, 60.0 + side / 2, 60.0 + side / 2]])
        counts, _ = tool.positives_per_box(model, anchors, box)
        others = [i for i in range(5) if i != level]
        assert counts[0, level] >= 1 and (counts[0, others] == 0).all(), (side, counts)
    assert counts[0, 2] == 4  # the four P5 anchors around the 80 px box's centre
