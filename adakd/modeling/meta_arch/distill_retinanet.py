"""RetinaNet student distilled from a frozen RetinaNet teacher; the Box path is Chen et al.'s teacher-bounded
regression at the anchors the matcher makes positive (``box_positive``), towards the ground-truth deltas of
their matched boxes (``box_target``).
"""
from typing import Dict

import torch
from detectron2.structures import Boxes

from .distill_dense_detector import DistillDenseDetector


class DistillRetinaNet(DistillDenseDetector):
    def distillation_context(self, batched_inputs, teacher_features) -> Dict:
        """Per head level: ``box_positive`` (N, H, W, A), 1 at the anchors matched to a ground truth, and
        ``box_target`` (N, H, W, A, 4), the deltas from each anchor to its matched box (RetinaNet's own
        regression targets; meaningless, and unused, where ``box_positive`` is 0)."""
        teacher = self.teacher
        anchors = teacher.anchor_generator(teacher_features)
        gt = [x["instances"].to(teacher.device) for x in batched_inputs]
        gt_labels, matched_boxes = teacher.label_anchors(anchors, gt)
        labels = torch.stack(gt_labels)  # (N, R); num_classes = background, -1 = ignored
        positive = ((labels >= 0) & (labels != teacher.num_classes)).float()
        all_anchors = Boxes.cat(anchors).tensor
        targets = torch.stack([teacher.box2box_transform.get_deltas(all_anchors, m) for m in matched_boxes])
        return {
            "box_positive": self.split_by_level(positive, teacher_features, anchors),
            "box_target": self.split_by_level(targets, teacher_features, anchors),
        }
