"""Generalized Focal Loss detector (Li et al., "Generalized Focal Loss: Learning Qualified and Distributed
Bounding Boxes for Dense Object Detection", NeurIPS 2020) as a detectron2 DenseDetector.

- Head: shared conv towers with GroupNorm, one location-wise classifier whose score is the joint
  class-quality score (trained by Quality Focal Loss), and a box branch predicting, for each of the four
  edges, a discrete distribution over 0..reg_max strides (trained by Distribution Focal Loss + GIoU).
- Assignment: ATSS (Zhang et al., CVPR 2020) over one square anchor per location.
- Boxes are decoded by the distributions' expectations (integral decoding).
"""
import math
from typing import List

import torch
import torch.distributed as dist
from detectron2.layers import ShapeSpec, batched_nms, cat, get_norm
from detectron2.modeling.anchor_generator import DefaultAnchorGenerator
from detectron2.modeling.box_regression import Box2BoxTransformLinear
from detectron2.modeling.meta_arch.dense_detector import DenseDetector
from detectron2.structures import Boxes, Instances, pairwise_iou
from detectron2.utils import comm
from fvcore.nn import giou_loss
from torch import Tensor, nn

from ...layers import distribution_focal_loss, integral_distances, quality_focal_loss
from .finite_outputs import check_finite_head_outputs


def mean_over_processes(value: Tensor) -> Tensor:
    """The mean of a scalar tensor over data-parallel processes (GFL's reference ``reduce_mean``)."""
    world_size = comm.get_world_size()
    if world_size == 1:
        return value
    value = value.detach().clone()
    dist.all_reduce(value)
    return value / world_size


class Scale(nn.Module):
    """A learnable scalar multiplier (one per FPN level, as in FCOS/GFL)."""

    def __init__(self, init=1.0):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(float(init)))

    def forward(self, x):
        return x * self.scale


class GFLHead(nn.Module):
    """Shared GN conv towers; outputs per level (N, K, H, W) logits and (N, 4·(reg_max+1), H, W) edge logits."""

    def __init__(self, *, input_shape: List[ShapeSpec], num_classes, conv_dims=(256, 256, 256, 256), norm="GN",
                 reg_max=16, prior_prob=0.01):
        super().__init__()
        in_channels = {s.channels for s in input_shape}
        if len(in_channels) != 1:
            raise ValueError(f"GFLHead needs one channel count across levels, got {sorted(in_channels)}")
        channels = in_channels.pop()
        self.reg_max = reg_max

        def tower():
            layers, c_in = [], channels
            for c_out in conv_dims:
                layers += [nn.Conv2d(c_in, c_out, 3, padding=1, bias=not norm), get_norm(norm, c_out), nn.ReLU()]
                c_in = c_out
            return nn.Sequential(*[layer for layer in layers if layer is not None])

        self.cls_subnet, self.bbox_subnet = tower(), tower()
        self.cls_score = nn.Conv2d(conv_dims[-1], num_classes, 3, padding=1)
        self.bbox_pred = nn.Conv2d(conv_dims[-1], 4 * (reg_max + 1), 3, padding=1)
        self.scales = nn.ModuleList([Scale(1.0) for _ in input_shape])
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.normal_(module.weight, std=0.01)
                if module.bias is not None:
                    nn.init.constant_(module.bias, 0)
        nn.init.constant_(self.cls_score.bias, -math.log((1 - prior_prob) / prior_prob))

    def forward(self, features: List[Tensor]):
        logits, edge_logits = [], []
        for feature, scale in zip(features, self.scales):
            logits.append(self.cls_score(self.cls_subnet(feature)))
            edge_logits.append(scale(self.bbox_pred(self.bbox_subnet(feature))))
        return logits, edge_logits


class GFL(DenseDetector):
    def __init__(self, *, backbone, head, head_in_features, anchor_generator: DefaultAnchorGenerator, num_classes,
                 reg_max=16, atss_topk=9, qfl_beta=2.0, loss_bbox_weight=2.0, loss_dfl_weight=0.25,
                 test_score_thresh=0.05, test_topk_candidates=1000, test_nms_thresh=0.6, max_detections_per_image=100,
                 pixel_mean, pixel_std):
        """
        Args:
            anchor_generator: one square anchor per location (e.g. size 8·stride, aspect ratio 1), used by
                ATSS and as the centres from which edge distances are measured.
            reg_max: edge distances are distributions over 0..reg_max strides.
            atss_topk: candidates per level per ground truth in ATSS.
        """
        super().__init__(backbone, head, head_in_features, pixel_mean=pixel_mean, pixel_std=pixel_std)
        if anchor_generator.num_cell_anchors != [1] * len(anchor_generator.num_cell_anchors):
            raise ValueError(f"GFL needs one anchor per location, got {anchor_generator.num_cell_anchors}")
        self.anchor_generator = anchor_generator
        self.num_classes = num_classes
        self.reg_max = reg_max
        self.atss_topk = atss_topk
        self.qfl_beta = qfl_beta
        self.loss_bbox_weight = loss_bbox_weight
        self.loss_dfl_weight = loss_dfl_weight
        self.test_score_thresh = test_score_thresh
        self.test_topk_candidates = test_topk_candidates
        self.test_nms_thresh = test_nms_thresh
        self.max_detections_per_image = max_detections_per_image
        # Distances in anchor-size units, so that DenseDetector's decoding applies (FCOS uses the same).
        self.box2box_transform = Box2BoxTransformLinear(normalize_by_size=True)

    # ------------------------------------------------------------------------------------------- helpers
    def _strides(self):
        return [self.backbone.output_shape()[f].stride for f in self.head_in_features]

    def _flatten(self, predictions):
        logits, edge_logits = self._transpose_dense_predictions(
            predictions, [self.num_classes, 4 * (self.reg_max + 1)]
        )
        return cat(logits, dim=1), cat(edge_logits, dim=1)  # (N, R, K), (N, R, 4·(reg_max+1))

    def _distances_in_strides(self, edge_logits):
        """(N, R, 4·(reg_max+1)) → (N, R, 4) expected l, t, r, b distances in strides."""
        return integral_distances(edge_logits.reshape(*edge_logits.shape[:2], 4, self.reg_max + 1))

    @staticmethod
    def _centers(anchors: Tensor):
        return (anchors[:, :2] + anchors[:, 2:]) / 2

    def _decode(self, distances, anchors, strides):
        """l, t, r, b in strides at anchor centres → XYXY boxes."""
        centers = self._centers(anchors)
        d = distances * strides[:, None]
        return torch.cat([centers - d[..., :2], centers + d[..., 2:]], dim=-1)

    @torch.no_grad()
    def atss_assign(self, anchors: List[Boxes], gt: Instances) -> Tensor:
        """ATSS: index of the matched ground truth for every anchor, −1 for background."""
        num_anchors = sum(len(a) for a in anchors)
        all_anchors = Boxes.cat(anchors)
        matched = torch.full((num_anchors,), -1, dtype=torch.long, device=all_anchors.device)
        if len(gt) == 0:
            return matched
        gt_boxes = gt.gt_boxes
        ious = pairwise_iou(gt_boxes, all_anchors)  # (G, R)
        distances = torch.cdist(gt_boxes.get_centers(), all_anchors.get_centers())  # (G, R)
        candidates, start = [], 0
        for level in anchors:
            k = min(self.atss_topk, len(level))
            candidates.append(distances[:, start : start + len(level)].topk(k, dim=1, largest=False).indices + start)
            start += len(level)
        candidates = torch.cat(candidates, dim=1)  # (G, C)
        candidate_ious = ious.gather(1, candidates)
        threshold = candidate_ious.mean(1) + candidate_ious.std(1)
        centers = all_anchors.get_centers()[candidates]  # (G, C, 2)
        boxes = gt_boxes.tensor[:, None]
        # The reference ATSS assigner wants the centre more than 0.01 px inside the box.
        inside = ((centers - boxes[..., :2] > 0.01) & (boxes[..., 2:] - centers > 0.01)).all(dim=-1)
        positive = (candidate_ious >= threshold[:, None]) & inside
        # An anchor claimed by several ground truths goes to the one it overlaps most.
        claim = torch.full_like(ious, -1.0)
        claim.scatter_(1, candidates, torch.where(positive, candidate_ious, torch.full_like(candidate_ious, -1.0)))
        best_iou, best_gt = claim.max(dim=0)
        matched[best_iou >= 0] = best_gt[best_iou >= 0]
        return matched

    # ------------------------------------------------------------------------------------------ training
    def forward_training(self, images, features, predictions, gt_instances):
        check_finite_head_outputs(self, predictions, ("pred_logits", "pred_edge_logits"))
        anchors = self.anchor_generator(features)
        strides = cat([torch.full((len(a),), float(s), device=self.device) for a, s in zip(anchors, self._strides())])
        all_anchors = Boxes.cat(anchors).tensor
        logits, edge_logits = self._flatten(predictions)
        # Assignment and losses in float32 also under mixed precision (train.amp), whose head outputs are
        # float16 / bfloat16.
        with torch.autocast(self.device.type, enabled=False):
            matched = torch.stack([self.atss_assign(anchors, gt) for gt in gt_instances])  # (N, R)
            return self.losses(all_anchors, strides, logits.float(), edge_logits.float(), matched, gt_instances)

    def losses(self, anchors, strides, logits, edge_logits, matched, gt_instances):
        positive = matched >= 0
        num_positive = positive.sum().item()
        # QFL over this batch's positives (the reference's num_total_samples), not a running average; like the
        # reference, the mean over processes, so that data parallelism averages to the global batch's loss.
        normalizer = max(float(mean_over_processes(torch.tensor(float(num_positive), device=self.device))), 1.0)
        img_idx, anchor_idx = positive.nonzero(as_tuple=True)
        gt_boxes = torch.cat([gt.gt_boxes.tensor for gt in gt_instances])
        offsets = torch.tensor([0] + [len(gt) for gt in gt_instances[:-1]], device=self.device).cumsum(0)
        pos_gt = offsets[img_idx] + matched[img_idx, anchor_idx]
        pos_gt_boxes = gt_boxes[pos_gt]
        pos_gt_classes = torch.cat([gt.gt_classes for gt in gt_instances])[pos_gt]

        pos_edges = edge_logits[img_idx, anchor_idx].reshape(-1, 4, self.reg_max + 1)
        pos_anchors, pos_strides = anchors[anchor_idx], strides[anchor_idx]
        pred_boxes = self._decode(integral_distances(pos_edges), pos_anchors, pos_strides)
        quality = torch.zeros_like(logits)
        if num_positive:
            ious = pairwise_iou(Boxes(pred_boxes.detach()), Boxes(pos_gt_boxes)).diagonal().clamp(min=0)
            quality[img_idx, anchor_idx, pos_gt_classes] = ious
        loss_qfl = quality_focal_loss(logits, quality, self.qfl_beta).sum() / normalizer

        # Box losses weighted by the predicted score of the positive location (GFL §3.3).
        weights = logits[img_idx, anchor_idx].detach().sigmoid().max(dim=1).values
        weight_sum = mean_over_processes(weights.sum()).clamp(min=1e-6)
        loss_bbox = (giou_loss(pred_boxes, pos_gt_boxes, reduction="none") * weights).sum() / weight_sum
        centers = self._centers(pos_anchors)
        target_distances = torch.cat([centers - pos_gt_boxes[:, :2], pos_gt_boxes[:, 2:] - centers], dim=1)
        # Clamped below reg_max by 0.1, as the reference's bbox2distance (eps=0.1).
        target_distances = (target_distances / pos_strides[:, None]).clamp(min=0, max=self.reg_max - 0.1)
        dfl = distribution_focal_loss(pos_edges.reshape(-1, self.reg_max + 1), target_distances.reshape(-1))
        loss_dfl = (dfl.reshape(-1, 4).mean(dim=1) * weights).sum() / weight_sum
        return {
            "loss_qfl": loss_qfl,
            "loss_bbox": self.loss_bbox_weight * loss_bbox,
            "loss_dfl": self.loss_dfl_weight * loss_dfl,
        }

    # ----------------------------------------------------------------------------------------- inference
    def forward_inference(self, images, features, predictions):
        anchors = self.anchor_generator(features)
        logits, edge_logits = self._transpose_dense_predictions(
            predictions, [self.num_classes, 4 * (self.reg_max + 1)]
        )
        results = []
        for img_idx, image_size in enumerate(images.image_sizes):
            scores = [x[img_idx].sigmoid() for x in logits]
            # Distances in strides → in anchor sizes, the unit of Box2BoxTransformLinear(normalize_by_size).
            deltas = [
                self._distances_in_strides(x[img_idx][None])[0] * stride / (a.tensor[:1, 2] - a.tensor[:1, 0])
                for x, a, stride in zip(edge_logits, anchors, self._strides())
            ]
            pred = self._decode_multi_level_predictions(
                anchors, scores, deltas, self.test_score_thresh, self.test_topk_candidates, image_size
            )
            keep = batched_nms(pred.pred_boxes.tensor, pred.scores, pred.pred_classes, self.test_nms_thresh)
            results.append(pred[keep[: self.max_detections_per_image]])
        return results
