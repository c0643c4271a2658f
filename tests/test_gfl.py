"""GFL losses against hand-computed values and ATSS on toy cases (training steps: test_train_net)."""
import math
import os
import statistics

import pytest
import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.modeling.anchor_generator import DefaultAnchorGenerator
from detectron2.structures import Boxes, Instances
from detectron2.utils.env import seed_all_rng

from adakd.layers import distribution_focal_loss, integral_distances, quality_focal_loss

CONFIG = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                      "projects/AdaptiveKD/configs/shapes_student.py")


def test_quality_focal_loss_at_known_targets():
    # logit 0 → σ = 0.5. Target IoU 0.8: BCE = −(0.8 log 0.5 + 0.2 log 0.5) = log 2; |0.8 − 0.5|² = 0.09.
    loss = quality_focal_loss(torch.tensor([[0.0, 0.0]]), torch.tensor([[0.8, 0.0]]), beta=2.0)
    assert loss[0, 0].item() == pytest.approx(math.log(2) * 0.09, rel=1e-6)
    # Negative class (y = 0): −log(1 − σ) · σ² = log 2 · 0.25.
    assert loss[0, 1].item() == pytest.approx(math.log(2) * 0.25, rel=1e-6)
    # σ equal to the target: no loss, whatever the target.
    logit = math.log(0.3 / 0.7)
    assert quality_focal_loss(torch.tensor([[logit]]), torch.tensor([[0.3]])).item() == pytest.approx(0.0, abs=1e-7)


def test_distribution_focal_loss_between_two_bins():
    # Target 2.3 between bins 2 and 3: −(0.7 log S_2 + 0.3 log S_3).
    logits = torch.tensor([[0.0, 1.0, 2.0, 0.5, -1.0]])
    probs = torch.softmax(logits, dim=1)[0]
    expected = -(0.7 * math.log(probs[2]) + 0.3 * math.log(probs[3]))
    assert distribution_focal_loss(logits, torch.tensor([2.3])).item() == pytest.approx(expected, rel=1e-6)
    # On an integer target only that bin counts.
    assert distribution_focal_loss(logits, torch.tensor([1.0])).item() == pytest.approx(-math.log(probs[1]), rel=1e-6)


def test_integral_decoding():
    # A distribution putting 1/4 on bin 1 and 3/4 on bin 3 → expected distance 2.5.
    logits = torch.log(torch.tensor([[1e-12, 0.25, 1e-12, 0.75]]))
    assert integral_distances(logits).item() == pytest.approx(2.5, rel=1e-6)
    one_hot = torch.full((2, 4, 17), -1e4)
    one_hot[0, :, 5] = 0
    one_hot[1, :, 16] = 0
    assert torch.allclose(integral_distances(one_hot), torch.tensor([[5.0] * 4, [16.0] * 4]))


@pytest.fixture(scope="module")
def gfl_model():
    cfg = LazyConfig.load(CONFIG)
    seed_all_rng(0)
    return cfg, instantiate(cfg.model)


def test_atss_assigns_anchors_inside_and_overlapping(gfl_model):
    _, model = gfl_model
    anchors = DefaultAnchorGenerator(sizes=[[16]], aspect_ratios=[1.0], strides=[8], offset=0.5)(
        [torch.zeros(1, 1, 8, 8)])
    gt = Instances((64, 64))
    gt.gt_boxes = Boxes(torch.tensor([[8.0, 8.0, 24.0, 24.0], [40.0, 40.0, 56.0, 56.0]]))
    gt.gt_classes = torch.tensor([0, 1])
    matched = model.atss_assign(anchors, gt)
    centers = anchors[0].get_centers()
    for g, box in enumerate(gt.gt_boxes.tensor):
        members = centers[matched == g]
        assert len(members) >= 1
        # Every positive anchor centre lies inside its box, and the anchor at the box centre is positive.
        assert ((members > box[:2]) & (members < box[2:])).all()
        center = (box[:2] + box[2:]) / 2
        assert matched[(centers - center).norm(dim=1).argmin()] == g
    assert (matched == -1).sum() > 40  # most of the 64 anchors are background


def test_atss_keeps_the_candidates_above_mean_plus_std_of_their_iou(gfl_model):
    # Two levels on a 64 × 64 image: stride 8 with 16 px anchors (centres 4, 12, ..., 60) and stride 16 with
    # 32 px anchors (centres 8, 24, 40, 56); one 32 × 32 box [4, 4, 36, 36], centre (20, 20).
    _, model = gfl_model
    assert model.atss_topk == 9
    anchors = DefaultAnchorGenerator(sizes=[[16], [32]], aspect_ratios=[1.0], strides=[8, 16], offset=0.5)(
        [torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 4, 4)])
    gt = Instances((64, 64))
    gt.gt_boxes = Boxes(torch.tensor([[4.0, 4.0, 36.0, 36.0]]))
    gt.gt_classes = torch.tensor([0])
    # The 9 nearest centres of each level (no ties at the 9th): stride 8, the 3 × 3 centres 12, 20, 28, each
    # anchor inside the box, IoU 256 / 1024; stride 16, the centres by distance from (20, 20), their IoUs
    # (intersection / (2 · 1024 − intersection)):
    level1 = {(24, 24): 28 * 28, (24, 8): 28 * 20, (8, 24): 28 * 20, (8, 8): 20 * 20, (24, 40): 28 * 12,
              (40, 24): 28 * 12, (8, 40): 20 * 12, (40, 8): 20 * 12, (40, 40): 12 * 12}
    iou1 = {c: inter / (2048 - inter) for c, inter in level1.items()}
    candidate_ious = [0.25] * 9 + list(iou1.values())
    threshold = statistics.mean(candidate_ious) + statistics.stdev(candidate_ious)  # 0.2555 + 0.1169
    expected = {(1, c) for c, v in iou1.items() if v >= threshold}
    assert expected == {(1, (24, 24)), (1, (24, 8)), (1, (8, 24))}  # IoU 0.620, 0.376, 0.376 ≥ 0.372
    # Taking every candidate whose centre lies in the box would also take the nine stride-8 anchors and the
    # stride-16 anchor at (8, 8) (IoU 0.243).
    matched = model.atss_assign(anchors, gt)
    positives = set()
    for index in (matched == 0).nonzero().flatten().tolist():
        level = int(index >= len(anchors[0]))
        center = anchors[level].get_centers()[index - level * len(anchors[0])]
        positives.add((level, tuple(int(v) for v in center.tolist())))
    assert positives == expected
    assert ((matched == 0) | (matched == -1)).all()


def test_atss_needs_the_centre_0_01_px_inside_the_box(gfl_model):
    # The anchor centred at (4, 4) overlaps the box most; with the box's top-left corner 0.005 px short of
    # that centre it is not positive (the reference's 0.01 px margin), 0.02 px short it is.
    _, model = gfl_model
    anchors = DefaultAnchorGenerator(sizes=[[16]], aspect_ratios=[1.0], strides=[8], offset=0.5)(
        [torch.zeros(1, 1, 8, 8)])
    corner = (anchors[0].get_centers() - 4.0).norm(dim=1).argmin()
    for left, expected in ((3.995, -1), (3.98, 0)):
        gt = Instances((64, 64))
        gt.gt_boxes = Boxes(torch.tensor([[left, left, 12.0, 12.0]]))
        gt.gt_classes = torch.tensor([0])
        assert int(model.atss_assign(anchors, gt)[corner]) == expected
