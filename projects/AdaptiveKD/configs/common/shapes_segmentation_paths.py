"""The segmentation paths (common/segmentation_paths.py) on the 128 px shapes images: AT one stage lower.

At 128 px res5 is a 4×4 map (Cityscapes' 512×1024 crops give it 16×32): averaged over its 16 positions, AT's
res5 term carried most of the path's gradient, 5-10× the task's on res4/res5 at the learned weight. AT taps
res2-res4 here (32×32, 16×16, 8×8), maps of the sizes the paper's stages have on its crops; the shapes
backbones freeze nothing (freeze_at=0), so res2's term moves student weights.
"""
import copy

from .segmentation_paths import AT_WEIGHT, ST_WEIGHT, st
from .segmentation_paths import at as _at

STAGES = ["res2", "res3", "res4"]

at = copy.deepcopy(_at)
at.student_taps = [f"backbone.bottom_up:{s}" for s in STAGES]
at.teacher_taps = [f"backbone.bottom_up:{s}" for s in STAGES]

__all__ = ["AT_WEIGHT", "ST_WEIGHT", "at", "st"]
