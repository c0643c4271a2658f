"""A loud stop when a dense detector's head outputs go non-finite in training.

Without it a NaN reaches the losses first, and the first complaint comes from deep inside them (fvcore's
``giou_loss``: ``AssertionError: bad box: x1 larger than x2``), naming neither the cause nor the iteration.
"""
import torch

from ...utils.events import current_iteration


def check_finite_head_outputs(model, predictions, output_names):
    """Raises FloatingPointError naming the first non-finite head output, its level and the iteration.

    Args:
        model: the dense detector (its ``head_in_features`` name the levels).
        predictions: the head's outputs, one list of per-level tensors per output (DenseDetector's layout).
        output_names: a name for each output, e.g. ``("pred_logits", "pred_anchor_deltas")``.
    """
    for name, per_level in zip(output_names, predictions):
        for level, tensor in zip(model.head_in_features, per_level):
            finite = torch.isfinite(tensor)
            if not finite.all():
                raise FloatingPointError(
                    f"{type(model).__name__}: head output {name} at level {level} has "
                    f"{int((~finite).sum())} non-finite values of {tensor.numel()} at iteration "
                    f"{current_iteration()} (diverged training: lower the learning rate or clip gradients)"
                )
