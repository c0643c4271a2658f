"""What the README promises about the aggregators' options: the documented defaults of the multitask balancers,
and ``NO_WEIGHT_DECAY`` / ``learned_weight_overrides`` reaching every parameter an aggregator learns."""
import pytest
import torch
from detectron2.solver import get_default_optimizer_params
from torch import nn

from adakd.distill import NO_WEIGHT_DECAY, build_aggregator, learned_weight_overrides
from adakd.distill.aggregators.build import AGGREGATOR_METHODS, GRADIENT_METHODS

PATHS = ["a", "b"]


def test_documented_balancer_defaults():
    # README, "Multitask balancers as aggregators": the default column.
    assert build_aggregator("dwa", PATHS).window == 50 and build_aggregator("dwa", PATHS).temperature == 2.0
    famo = build_aggregator("famo", PATHS)
    assert (famo.lr, famo.weight_decay) == (0.025, 0.001)  # β and γ
    shared = [nn.Parameter(torch.ones(3))]
    assert build_aggregator("cagrad", PATHS, params=shared).c == 0.4
    assert build_aggregator("gradnorm", PATHS, params=shared).asymmetry == 1.5
    uncertainty = build_aggregator("uncertainty", PATHS)
    assert torch.equal(uncertainty.log_variances.detach(), torch.zeros(2))  # s0 = 0


class _Model(nn.Module):
    """A student parameter (decayed) next to an aggregator, as in a distillation model."""

    def __init__(self, aggregator):
        super().__init__()
        self.student = nn.Linear(2, 2)
        self.aggregator = aggregator


@pytest.mark.parametrize("overrides, lr", [(NO_WEIGHT_DECAY, 0.1), (learned_weight_overrides(lr=0.05), 0.05)])
def test_no_weight_decay_covers_every_learned_aggregator_parameter(overrides, lr):
    learned = {}
    for method in AGGREGATOR_METHODS:
        options = {"params": [nn.Parameter(torch.ones(3))]} if method in GRADIENT_METHODS else {}
        if method == "hand_tuned":
            options["init_weights"] = {"a": 1.0, "b": 0.25}
        model = _Model(build_aggregator(method, PATHS, **options))
        groups = get_default_optimizer_params(model, base_lr=0.1, weight_decay=0.05, overrides=overrides)
        by_param = {id(p): g for g in groups for p in g["params"]}
        names = [name for name, _ in model.aggregator.named_parameters()]
        learned[method] = names
        for name, parameter in model.aggregator.named_parameters():
            group = by_param[id(parameter)]
            assert group["weight_decay"] == 0.0 and group["lr"] == lr, (method, name, group)
        student = by_param[id(model.student.weight)]
        assert student["weight_decay"] == 0.05 and student["lr"] == 0.1
    # The check above is not vacuous: these methods learn parameters, the others none.
    assert {m: n for m, n in learned.items() if n} == {
        "adaptive": ["neg_log_path_weights"], "adaptive_layerwise": ["neg_log_path_weights"],
        "uncertainty": ["log_variances"], "gradnorm": ["gradnorm_logits"]}
