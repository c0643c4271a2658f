"""The shapes recipe (common/shapes_schedule.py: AdamW, 1400 iterations, cosine) for Semantic FPN.

Backbones start from the ImageNet stand-in, as the paper's from ImageNet (student: zoo entry shapes_pretrain_r18,
teacher: shapes_pretrain_r101; the classifier's layer is reported unused). Until shapes v3 they started from
the shipped shapes detectors (from scratch the same schedule reached 23.1 mIoU, from the detector 48.8;
docs/embedded_benchmarks.md).
"""
from .shapes_schedule import lr_multiplier, optimizer, train

train.init_checkpoint = "zoo://shapes_pretrain_r18"
