"""Logit regression: L2 distance between student and teacher logits."""

from torch import nn

from ._checks import require_ndim, require_same_shape


class L2LogitLoss(nn.Module):
    """Logit regression of Ba & Caruana, "Do Deep Nets Really Need to be Deep?", NeurIPS 2014 (Sec. 2.2):
    the student regresses the teacher's pre-softmax logits with an L2 loss,

        0.5 * mean over samples of ||s - t||_2^2

    with the norm taken over the class dim 1 (the paper's ``1/(2T) sum_t ||g(x_t) - z_t||^2``).
    """

    def forward(self, student, teacher):
        require_ndim(self, student, (2, 3, 4), "student logits")
        require_same_shape(self, student, teacher)
        return 0.5 * (student - teacher.detach()).pow(2).sum(dim=1).mean()
