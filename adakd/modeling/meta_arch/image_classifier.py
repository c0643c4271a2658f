"""Image classification in the detectron2 mould: a detectron2 backbone (e.g. ``ResNet`` with a
``CIFARStem``), global average pooling and a linear layer.

Inputs are detectron2's ``list[dict]``: ``"image"`` (C, H, W) in the model's input format and, in training,
``"label"`` (int). Training returns ``{"loss_cls"}``; inference returns one ``{"logits": (num_classes,)}``
per image. The head's submodules are tap points for distillation: ``head.pool`` gives the pooled
(penultimate) feature (N, C), ``head.linear`` the logits.
"""
from typing import Dict, List

import torch
import torch.nn.functional as F
from detectron2.modeling import Backbone
from torch import nn


class ClassificationHead(nn.Module):
    def __init__(self, in_channels: int, num_classes: int, in_feature: str = "res5"):
        super().__init__()
        self.in_feature = in_feature
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(1))
        self.linear = nn.Linear(in_channels, num_classes)
        # detectron2's ResNet classifier initialisation.
        nn.init.normal_(self.linear.weight, std=0.01)
        nn.init.constant_(self.linear.bias, 0.0)

    def forward(self, features: Dict[str, torch.Tensor]) -> torch.Tensor:
        if self.in_feature not in features:
            raise KeyError(f"ClassificationHead: the backbone gives {sorted(features)}, not {self.in_feature!r}")
        return self.linear(self.pool(features[self.in_feature]))


class ImageClassifier(nn.Module):
    def __init__(self, *, backbone: Backbone, head: nn.Module, pixel_mean, pixel_std, input_format="RGB"):
        """
        Args:
            backbone: a detectron2 Backbone whose outputs include the head's ``in_feature``.
            head: maps the backbone's feature dict to logits (N, num_classes).
            pixel_mean, pixel_std: per-channel normalisation, in ``input_format`` channel order.
            input_format: channel order of ``"image"`` (the dataset mapper's ``image_format``).
        """
        super().__init__()
        self.backbone = backbone
        self.head = head
        self.input_format = input_format
        self.register_buffer("pixel_mean", torch.tensor(pixel_mean, dtype=torch.float32).view(-1, 1, 1), False)
        self.register_buffer("pixel_std", torch.tensor(pixel_std, dtype=torch.float32).view(-1, 1, 1), False)

    @property
    def device(self):
        return self.pixel_mean.device

    def preprocess_image(self, batched_inputs: List[Dict]) -> torch.Tensor:
        images = [x["image"].to(self.device) for x in batched_inputs]
        sizes = {tuple(im.shape) for im in images}
        if len(sizes) != 1:
            raise ValueError(f"ImageClassifier: images of one batch must have one size, got {sorted(sizes)}; "
                             f"resize or crop them in the dataset mapper")
        return (torch.stack(images).float() - self.pixel_mean) / self.pixel_std

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        """Logits of normalised images (N, C, H, W)."""
        return self.head(self.backbone(images))

    def forward(self, batched_inputs: List[Dict]):
        logits = self.logits(self.preprocess_image(batched_inputs))
        if not self.training:
            return [{"logits": row} for row in logits]
        if "label" not in batched_inputs[0]:
            raise KeyError("ImageClassifier: training inputs need a 'label' (use ClassificationDatasetMapper)")
        labels = torch.as_tensor([x["label"] for x in batched_inputs], device=logits.device)
        return {"loss_cls": F.cross_entropy(logits, labels)}
