"""The teacher-bounded regression loss for anchor-based detectors (RetinaNet's Box path)."""
from ..path import PooledLoss
from ._checks import require, require_ndim, require_same_shape


class TeacherBoundedRegressionLoss(PooledLoss):
    """The teacher-bounded regression loss L_b of Chen et al., "Learning Efficient Object Detection Models with
    Knowledge Distillation", NeurIPS 2017 (§3.2, Eq. 3). The teacher's box regression is an upper bound, not
    a target: the student regresses the ground truth ``y``, with an ℓ2 loss, only at the positive anchors
    where it is not better than the teacher by at least the margin ``m``::

        L_b(a) = ||d_S(a) - y(a)||^2   if ||d_S(a) - y(a)||^2 + m > ||d_T(a) - y(a)||^2,   else 0

    with ``||.||^2`` summed over the 4 box deltas. The path's value is the sum of L_b over the positive anchors
    of all levels divided by their number (a pooled loss: per-level terms only with ``layerwise``). Chen et
    al. add ``nu * L_b`` to the student's own regression loss with ``nu = 0.5``; that ν is the weight of this
    path in the hand-tuned configs. The paper gives no value for ``m``; the default 0 bounds the student by
    the teacher exactly.

    Inputs: dense head outputs (N, A*4, H, W) with ``positive`` (N, H, W, A) and ``target`` (N, H, W, A, 4), the
    ground-truth deltas of each anchor's matched box (detectron2's anchor order, as ``DistillRetinaNet`` gives
    them); or (M, 4) deltas with ``positive`` (M,) and ``target`` (M, 4).
    """

    def __init__(self, margin=0.0):
        super().__init__()
        if margin < 0:
            raise ValueError(f"TeacherBoundedRegressionLoss: margin must be non-negative, got {margin}")
        self.margin = float(margin)

    def sum_and_count(self, student, teacher, positive=None, target=None):
        require_ndim(self, student, (2, 4), "student box deltas")
        require_same_shape(self, student, teacher)
        require(target is not None, self, "needs the ground-truth deltas `target` (the path's context)")
        teacher = teacher.detach()
        if student.dim() == 4:
            require(student.shape[1] % 4 == 0, self, f"dense deltas need A*4 channels, got {tuple(student.shape)}")
            n, c, h, w = student.shape
            # (N, A*4, H, W) -> (N*H*W*A, 4), the order of detectron2's permute_to_N_HWA_K.
            student = student.view(n, c // 4, 4, h, w).permute(0, 3, 4, 1, 2).reshape(-1, 4)
            teacher = teacher.view(n, c // 4, 4, h, w).permute(0, 3, 4, 1, 2).reshape(-1, 4)
        require(target.numel() == student.numel(), self,
                f"target must give 4 deltas per anchor ({student.shape[0]} anchors), got shape {tuple(target.shape)}")
        target = target.detach().reshape(-1, 4).to(student.dtype)
        if positive is None:
            positive = student.new_ones(student.shape[0])
        require(positive.numel() == student.shape[0], self,
                f"positive must give one value per anchor ({student.shape[0]}), got shape {tuple(positive.shape)}")
        positive = positive.detach().reshape(-1).to(student.dtype)
        student_error = (student - target).pow(2).sum(dim=1)
        teacher_error = (teacher - target).pow(2).sum(dim=1)
        bounded = (student_error.detach() + self.margin > teacher_error).to(student.dtype)
        return (positive * bounded * student_error).sum(), positive.sum()
