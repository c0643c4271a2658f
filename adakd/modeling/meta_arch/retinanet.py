"""detectron2's RetinaNet, stopping with a named FloatingPointError when its head outputs go non-finite in
training (before its losses, where ``box_reg_loss_type="giou"`` would fail an assertion of fvcore)."""
from detectron2.modeling.meta_arch import RetinaNet as _RetinaNet

from .finite_outputs import check_finite_head_outputs


class RetinaNet(_RetinaNet):
    def forward_training(self, images, features, predictions, gt_instances):
        check_finite_head_outputs(self, predictions, ("pred_logits", "pred_anchor_deltas"))
        return super().forward_training(images, features, predictions, gt_instances)
