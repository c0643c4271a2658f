"""The shapes recipe (common/shapes_schedule.py: AdamW, 1400 iterations, cosine) for Semantic FPN.

Backbones start from the shipped shapes detectors (student from the GFL R18 student, teacher from the GFL R101
teacher), which play the role of the paper's ImageNet weights: trained on the same images, on another task.
Measured on the student: from scratch the same schedule reaches 23.1 mIoU, from the detector 48.8
(docs/embedded_benchmarks.md). The detection heads are skipped by the checkpointer.
"""
from .shapes_schedule import lr_multiplier, optimizer, train

train.init_checkpoint = "zoo://shapes_gfl_r18_student"
