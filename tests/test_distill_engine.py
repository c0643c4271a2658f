"""The distillation engine: aggregators (Eqs. 3-6), min-norm weights, paths, adapters, the Distiller."""
import itertools
import math

import pytest
import torch
from detectron2.solver.build import get_default_optimizer_params
from detectron2.utils.events import EventStorage
from torch import nn

from adakd.distill import (
    AGGREGATOR_METHODS,
    NO_WEIGHT_DECAY,
    Distiller,
    DistillPath,
    FeatureAdapter,
    build_aggregator,
    learned_weight_overrides,
    min_norm_weights,
)


class StrictMSE(nn.Module):
    def forward(self, student, teacher):
        if student.shape != teacher.shape:
            raise ValueError(f"StrictMSE: shapes {tuple(student.shape)} and {tuple(teacher.shape)} differ")
        return (student - teacher).pow(2).mean()


def scalar(x):
    return torch.tensor(float(x), requires_grad=True)


# ----------------------------------------------------------------------------------------------- aggregators
def test_adaptive_gradient_is_eq6():
    alpha = 0.5
    agg = build_aggregator("adaptive", ["at", "st"], alpha=alpha, init_weights={"at": 1.0, "st": 0.5})
    z = agg.neg_log_path_weights
    assert torch.allclose(z.detach(), torch.tensor([0.0, math.log(2.0)]))  # z = -log v
    losses = {"at": scalar(2.0), "st": scalar(3.0)}
    terms = agg(losses)
    total = sum(terms.values())
    # f_d = α (Σ e^{-z_i} L_i + Σ z_i) = 0.5 (1·2 + 0.5·3 + log 2)
    assert total.item() == pytest.approx(0.5 * (2.0 + 1.5 + math.log(2.0)), rel=1e-6)
    total.backward()
    # Eq. 6: ∂f_d/∂z_i = α (1 − e^{-z_i} L_i) = 0.5 (1 − 2) and 0.5 (1 − 0.5·3)
    assert torch.allclose(z.grad, torch.tensor([-0.5, -0.25]))
    # ∂f_d/∂L_i = α v_i
    assert losses["at"].grad.item() == pytest.approx(0.5) and losses["st"].grad.item() == pytest.approx(0.25)
    assert agg.path_weights() == pytest.approx({"at": 1.0, "st": 0.5})


def test_adaptive_weight_converges_to_inverse_loss():
    # With constant losses, gradient descent on z drives v_i to 1 / L_i (the zero of Eq. 6).
    agg = build_aggregator("adaptive", ["a", "b"])
    opt = torch.optim.SGD(agg.parameters(), lr=0.1)
    for _ in range(2000):
        opt.zero_grad()
        sum(agg({"a": torch.tensor(4.0), "b": torch.tensor(0.25)}).values()).backward()
        opt.step()
    assert agg.path_weights() == pytest.approx({"a": 0.25, "b": 4.0}, rel=1e-3)


def test_equal_and_hand_tuned_values():
    losses = {"at": torch.tensor(0.002), "st": torch.tensor(3.0)}
    equal = build_aggregator("equal", ["at", "st"], alpha=2.0)
    assert sum(equal(losses).values()).item() == pytest.approx(2.0 * 3.002)
    hand = build_aggregator("hand_tuned", ["at", "st"], init_weights=[1000, 0.1])
    terms = hand(losses)
    assert set(terms) == {"loss_distill_at", "loss_distill_st"}
    assert terms["loss_distill_at"].item() == pytest.approx(2.0)
    assert terms["loss_distill_st"].item() == pytest.approx(0.3)
    assert hand.path_weights() == pytest.approx({"at": 1000.0, "st": 0.1})
    assert list(hand.parameters()) == []  # fixed weights are not trained


def test_adaptive_layerwise_one_weight_per_layer():
    names = ["at.res2", "at.res3", "at.res4", "st"]
    agg = build_aggregator("adaptive_layerwise", names, init_weights={"at": 1000.0, "st": 0.1})
    assert agg.neg_log_path_weights.shape == (4,)
    assert agg.path_weights() == pytest.approx({"at.res2": 1000.0, "at.res3": 1000.0, "at.res4": 1000.0, "st": 0.1})
    with pytest.raises(KeyError, match="'nst'.*names no path or layer"):
        build_aggregator("adaptive_layerwise", names, init_weights={"nst": 1.0})


def test_logging_through_event_storage():
    agg = build_aggregator("hand_tuned", ["at", "st"], init_weights={"at": 10.0, "st": 0.5})
    with EventStorage(3) as storage:
        agg({"at": torch.tensor(0.25), "st": torch.tensor(2.0)})
        assert storage.history("distill/at/loss").latest() == pytest.approx(0.25)
        assert storage.history("distill/at/weight").latest() == pytest.approx(10.0)
        assert storage.history("distill/st/weight").latest() == pytest.approx(0.5)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_loss_names_path_and_iteration(bad):
    agg = build_aggregator("equal", ["at", "st"])
    with EventStorage(17):
        with pytest.raises(FloatingPointError, match=rf"^Distillation path 'st' gave a non-finite loss \({bad}\) at "
                                                     r"iteration 17$"):
            agg({"at": torch.tensor(1.0), "st": torch.tensor(bad)})


def test_bad_aggregator_input():
    with pytest.raises(ValueError, match="Unknown aggregation method 'adaptve'.*" + ", ".join(AGGREGATOR_METHODS)):
        build_aggregator("adaptve", ["at"])
    with pytest.raises(ValueError, match="path 'st' must be a finite number > 0, got -0.1"):
        build_aggregator("hand_tuned", ["at", "st"], init_weights={"at": 1.0, "st": -0.1})
    with pytest.raises(ValueError, match="path 'at' must be a finite number > 0, got 0"):
        build_aggregator("hand_tuned", ["at", "st"], init_weights=[0, 1.0])
    with pytest.raises(ValueError, match="needs init_weights"):
        build_aggregator("hand_tuned", ["at", "st"])
    with pytest.raises(KeyError, match=r"unknown paths \['ats'\]; valid path names: \['at', 'st'\]"):
        build_aggregator("adaptive", ["at", "st"], init_weights={"ats": 1.0})
    with pytest.raises(ValueError, match="needs `params`"):
        build_aggregator("multiobjective", ["at", "st"])
    agg = build_aggregator("equal", ["at", "st"])
    with pytest.raises(KeyError, match=r"unknown: \['nst'\], missing: \['st'\]. Valid path names: \['at', 'st'\]"):
        agg({"at": torch.tensor(1.0), "nst": torch.tensor(1.0)})


def test_adaptive_weights_excluded_from_weight_decay():
    model = nn.Sequential(nn.Linear(2, 2))
    model.aggregator = build_aggregator("adaptive", ["a", "b"])
    groups = get_default_optimizer_params(model, base_lr=0.1, weight_decay=1e-4, overrides=NO_WEIGHT_DECAY)
    z_groups = [g for g in groups if any(p is model.aggregator.neg_log_path_weights for p in g["params"])]
    assert len(z_groups) == 1 and z_groups[0]["weight_decay"] == 0.0
    assert any(g["weight_decay"] == 1e-4 for g in groups)


def test_learned_weight_overrides_give_z_its_own_learning_rate_under_adamw():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 2))
    model.aggregator = build_aggregator("adaptive", ["a", "b"], alpha=1.0)
    groups = get_default_optimizer_params(model, base_lr=1e-3, weight_decay=0.05,
                                          overrides=learned_weight_overrides(lr=0.05))
    z = model.aggregator.neg_log_path_weights
    (z_group,) = [g for g in groups if any(p is z for p in g["params"])]
    assert (z_group["lr"], z_group["weight_decay"]) == (0.05, 0.0)
    assert {(g["lr"], g["weight_decay"]) for g in groups if g is not z_group} == {(1e-3, 0.05)}
    # Adam's first step is lr * g / (|g| + eps) = lr * sign(g) per coordinate. With path losses L = (0.25, 4)
    # and v = 1, dJ/dz_i = 1 - L_i = (0.75, -3) (Eq. 6): z moves by (-0.05, +0.05) whatever the gradient's size,
    # where the recipe's lr would have moved it by 1e-3.
    optimizer = torch.optim.AdamW(groups, eps=1e-12)
    terms = model.aggregator({"a": torch.tensor(0.25), "b": torch.tensor(4.0)})
    sum(terms.values()).backward()
    optimizer.step()
    assert torch.allclose(z.detach(), torch.tensor([-0.05, 0.05]), atol=1e-6)
    for bad in (0, -1e-3, float("nan"), "0.05"):
        with pytest.raises(ValueError, match="lr must be a positive number"):
            learned_weight_overrides(lr=bad)


# ------------------------------------------------------------------------------------------------ min-norm
def test_min_norm_known_cases():
    e1, e2 = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    assert torch.allclose(min_norm_weights([e1, e2]), torch.tensor([0.5, 0.5]))
    g = torch.tensor([1.0, -2.0, 0.5])
    assert torch.allclose(min_norm_weights([g, 2 * g]), torch.tensor([1.0, 0.0]))
    assert torch.allclose(min_norm_weights([2 * g, g]), torch.tensor([0.0, 1.0]))
    # Three orthonormal vectors: the centroid.
    assert torch.allclose(min_norm_weights(list(torch.eye(3))), torch.full((3,), 1 / 3), atol=1e-4)
    # Opposite vectors: the origin is in the hull, reached at (1/3, 2/3) for g and -g/2.
    assert torch.allclose(min_norm_weights([g, -0.5 * g]), torch.tensor([1 / 3, 2 / 3]))


@pytest.mark.parametrize("k,seed", [(2, 0), (3, 1), (4, 2), (5, 3)])
def test_min_norm_direction_descends_every_path(k, seed):
    gen = torch.Generator().manual_seed(seed)
    grads = [torch.randn(6, generator=gen, dtype=torch.float64) + 0.3 for _ in range(k)]
    v = min_norm_weights(grads)
    assert (v >= 0).all() and v.sum().item() == pytest.approx(1.0)
    d = sum(w * g for w, g in zip(v, grads))
    for g in grads:
        assert torch.dot(d, g).item() >= -1e-4
    # No point of a fine grid over the simplex has a smaller norm.
    steps = torch.linspace(0, 1, 21 if k <= 3 else 9, dtype=torch.float64)
    best = min(
        sum(w * g for w, g in zip(list(c) + [1 - sum(c)], grads)).norm().item()
        for c in itertools.product(steps, repeat=k - 1)
        if sum(c) <= 1 + 1e-9
    )
    assert d.norm().item() <= best + 1e-6


def test_multiobjective_uses_min_norm_of_path_gradients():
    w = nn.Parameter(torch.tensor([1.0, 2.0]))
    agg = build_aggregator("multiobjective", ["a", "b"], params=[w])
    # L_a = w0², gradient (2w0, 0) = (2, 0);  L_b = w1, gradient (0, 1).
    # Closed form: γ = (g_b - g_a)·g_b / ‖g_a - g_b‖² = 1 / 5 → v = (0.2, 0.8).
    terms = agg({"a": w[0] ** 2, "b": w[1]})
    assert agg.path_weights() == pytest.approx({"a": 0.2, "b": 0.8})
    total = sum(terms.values())
    total.backward()
    # Weights are detached: the gradient is Σ v_i ∇L_i = (0.4, 0.8).
    assert torch.allclose(w.grad, torch.tensor([0.4, 0.8]))



def _multiobjective_rank(rank, init_file, out_dir):
    torch.distributed.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=2)
    w = nn.Parameter(torch.tensor([1.0, 2.0]))
    agg = build_aggregator("multiobjective", ["a", "b"], params=[w])
    # Rank r: L_a = (1 + r) w0², gradient (2 + 2r, 0); L_b = w1, gradient (0, 1).
    agg({"a": (1 + rank) * w[0] ** 2, "b": w[1]})
    torch.save(agg.last_weights, f"{out_dir}/rank{rank}.pt")
    torch.distributed.destroy_process_group()


def test_multiobjective_solves_eq4_on_the_gradients_averaged_over_processes(tmp_path):
    torch.multiprocessing.spawn(_multiobjective_rank, args=(str(tmp_path / "init"), str(tmp_path)), nprocs=2)
    # Averaged gradients g_a = (3, 0), g_b = (0, 1) are orthogonal: v_a = |g_b|² / (|g_a|² + |g_b|²) = 1/10.
    # (Each process alone would pick 1/5 and 1/17.)
    for rank in range(2):
        assert torch.load(tmp_path / f"rank{rank}.pt").tolist() == pytest.approx([0.1, 0.9])

# -------------------------------------------------------------------------------------- paths and Distiller
def toy_models():
    torch.manual_seed(0)
    student = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 8, 3, stride=2, padding=1))
    teacher = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.Conv2d(6, 8, 3, stride=2, padding=1))
    return student, teacher


def make_distiller(method="equal", adapter=True, layerwise=False, **agg_kwargs):
    student, teacher = toy_models()
    paths = [DistillPath("feat", ["0", "2"], ["0", "2"], StrictMSE(), adapter=adapter, layerwise=layerwise)]
    distiller = Distiller(student, teacher, paths, dict(method=method, **agg_kwargs))
    x = torch.randn(2, 3, 8, 8)
    if adapter:
        distiller.build_adapters(lambda: (student(x), teacher(x)))
    return student, teacher, distiller, x


def test_adapters_only_where_shapes_differ():
    student, teacher, distiller, x = make_distiller()
    adapters = distiller.paths[0].adapters
    assert list(adapters.keys()) == ["0"]  # layer "0": 4 vs 6 channels; layer "2": 8 vs 8
    assert adapters["0"].proj is not None and adapters["0"].proj.weight.shape == (6, 4, 1, 1)
    assert not FeatureAdapter.needed((8, 4, 4), (8, 4, 4))


def test_gradients_reach_student_and_adapters_not_teacher():
    student, teacher, distiller, x = make_distiller()
    distiller.train()
    student(x)
    with torch.no_grad():
        teacher(x)
    sum(distiller().values()).backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in student.parameters())
    assert all(p.grad is not None for p in distiller.paths[0].adapters.parameters())
    assert all(p.grad is None and not p.requires_grad for p in teacher.parameters())
    assert not teacher.training  # kept in eval mode by Distiller.train()


def test_teacher_not_in_state_dict_nor_parameters():
    student, teacher, distiller, x = make_distiller(method="adaptive")
    keys = list(distiller.state_dict())
    assert keys and all(k.startswith(("paths.", "aggregator.")) for k in keys)
    teacher_params = {id(p) for p in teacher.parameters()}
    assert not teacher_params & {id(p) for p in distiller.parameters()}
    distiller.to(torch.float64)  # the teacher moves with the Distiller
    assert all(p.dtype == torch.float64 for p in teacher.parameters())


def test_mismatched_shapes_without_adapter_name_the_path():
    student, teacher, distiller, x = make_distiller(adapter=False)
    student(x)
    teacher(x)
    with pytest.raises(ValueError, match=r"path 'feat' \(0 -> 0\): StrictMSE: shapes \(2, 4, 8, 8\) and \(2, 6, 8, 8\)"):
        distiller()


def test_unknown_tap_lists_close_matches():
    student, teacher = toy_models()
    with pytest.raises(KeyError, match="student has no module named '3'"):
        Distiller(student, teacher, [DistillPath("feat", "3", "2", StrictMSE())], dict(method="equal"))


def test_layerwise_path_gives_one_weight_per_layer():
    student, teacher, distiller, x = make_distiller(method="adaptive_layerwise", layerwise=True)
    assert distiller.term_names == ["feat.0", "feat.2"]
    assert distiller.aggregator.neg_log_path_weights.shape == (2,)
    student(x)
    teacher(x)
    terms = distiller()
    assert set(terms) == {"loss_distill_feat.0", "loss_distill_feat.2", "loss_distill_weight_reg"}


def test_multiobjective_through_distiller_gets_student_params():
    student, teacher, distiller, x = make_distiller(method="multiobjective", layerwise=True)
    student(x)
    teacher(x)
    # The path gradients are taken over the student's own parameters (not the adapters', not the teacher's).
    assert [id(p) for p in distiller.aggregator.gradients.params] == [id(p) for p in student.parameters()]
    # By hand: the two terms' gradients over the student's parameters and the two-task min-norm point (Eq. 4),
    # γ = (g_b − g_a)·g_b / ‖g_a − g_b‖² clipped to [0, 1].
    losses = distiller.path_losses()
    assert list(losses) == ["feat.0", "feat.2"]
    g_a, g_b = (torch.cat([torch.zeros_like(p).flatten() if g is None else g.flatten() for p, g in zip(
        student.parameters(), torch.autograd.grad(losses[t], list(student.parameters()), retain_graph=True,
                                                  allow_unused=True))]) for t in ("feat.0", "feat.2"))
    gamma = float(((g_b - g_a) @ g_b / (g_a - g_b).square().sum()).clamp(0, 1))
    assert 0.01 < gamma < 0.99  # both paths count, so a wrong set of parameters shows
    sum(distiller().values()).backward()
    weights = distiller.path_weights()
    assert weights == pytest.approx({"feat.0": gamma, "feat.2": 1 - gamma}, rel=1e-4)


def test_path_losses_and_weights_reach_metrics_json(tmp_path):
    """Inside detectron2's trainer, distill/<path>/{loss,weight} are written every iteration."""
    import json

    from detectron2.engine import SimpleTrainer, hooks
    from detectron2.utils.events import JSONWriter

    from adakd.distill.losses import AttentionTransferLoss, SoftTargetLoss

    student, teacher = toy_models()
    student.append(nn.AdaptiveAvgPool2d(1)), student.append(nn.Flatten())
    teacher.append(nn.AdaptiveAvgPool2d(1)), teacher.append(nn.Flatten())
    paths = [DistillPath("at", "0", "0", AttentionTransferLoss(), adapter=False),
             DistillPath("st", "4", "4", SoftTargetLoss(temperature=2.0))]

    class Wrapper(nn.Module):
        def __init__(self):
            super().__init__()
            self.student = student
            self.distiller = Distiller(student, teacher, paths, dict(method="adaptive"))

        def forward(self, x):
            logits = self.student(x)
            with torch.no_grad():
                teacher(x)
            return {"loss_task": logits.pow(2).mean(), **self.distiller()}

    model = Wrapper()
    data = iter(lambda: torch.randn(2, 3, 8, 8), None)
    trainer = SimpleTrainer(model, data, torch.optim.SGD(model.parameters(), lr=0.1))
    trainer.register_hooks([hooks.PeriodicWriter([JSONWriter(str(tmp_path / "metrics.json"))], period=1)])
    trainer.train(0, 3)
    records = [json.loads(line) for line in open(tmp_path / "metrics.json")]
    assert [r["iteration"] for r in records] == [0, 1, 2]
    for name in ("at", "st"):
        assert all(f"distill/{name}/loss" in r and f"distill/{name}/weight" in r for r in records)
    # The adaptive weights start at v = 1 and move with training.
    assert records[0]["distill/st/weight"] == pytest.approx(1.0)
    assert records[-1]["distill/st/weight"] != pytest.approx(1.0)


def test_nested_tap_keys_select_from_tuples_and_dicts():
    from adakd.distill.taps import FeatureRecorder, parse_tap

    class Head(nn.Module):
        def forward(self, x):
            return ([x, 2 * x], {"p3": 3 * x})

    model = nn.Sequential(Head())
    recorder = FeatureRecorder(model, ["0:0:1", "0:1:p3"])
    model(torch.ones(1))
    assert parse_tap("head:0:2") == ("head", (0, 2)) and parse_tap("backbone") == ("backbone", ())
    assert recorder.get("0:0:1").item() == 2.0 and recorder.get("0:1:p3").item() == 3.0
    with pytest.raises(KeyError, match=r"no entry 'p4' in the output of '0' \(\['p3'\]\)"):
        recorder.get("0:1:p4")


class _SharedTower(nn.Module):
    """A tower run once per level, as a dense head's: ``tower.0`` is called len(levels) times per forward."""

    def __init__(self):
        super().__init__()
        self.tower = nn.Sequential(nn.Linear(2, 2, bias=False), nn.ReLU())
        nn.init.eye_(self.tower[0].weight)

    def forward(self, levels):
        return [self.tower(x) for x in levels]


def test_a_tap_reads_each_call_of_a_module_run_once_per_level():
    from adakd.distill.taps import FeatureRecorder

    model = _SharedTower()
    recorder = FeatureRecorder(model, ["tower.0@0", "tower.0@2", "tower.0"])
    levels = [torch.full((1, 2), float(i + 1)) for i in range(3)]
    model(levels)
    assert [recorder.get(f"tower.0@{i}")[0, 0].item() for i in range(3)] == [1.0, 2.0, 3.0]
    assert recorder.get("tower.0")[0, 0].item() == 3.0  # no call given: the last one
    with pytest.raises(RuntimeError, match=r"Tap 'tower.0@3': module 'tower.0' of the model ran 3 time\(s\) in the "
                                           r"last forward pass, the tap reads call 3 \(counted from 0\)"):
        recorder.get("tower.0@3")
    # The next forward starts afresh: its calls replace those of the last one (evaluation never accumulates).
    model(levels[:1])
    assert recorder.get("tower.0@0")[0, 0].item() == 1.0
    with pytest.raises(RuntimeError, match="ran 1 time"):
        recorder.get("tower.0@2")
    with pytest.raises(ValueError, match=r"Tap 'tower.0@x': after '@' comes a call number >= 0 or 'copy' \(once "
                                         r"each\), got 'x'"):
        recorder.get("tower.0@x")
    with pytest.raises(KeyError, match=r"Tap 'tower.2': the model has no module named 'tower.2'"):
        FeatureRecorder(model, ["tower.2@0"])


def test_a_layer_of_several_taps_gives_its_loss_tuples():
    seen = []

    class PairLoss(nn.Module):
        def forward(self, student, teacher):
            seen.append((len(student), len(teacher), teacher[0].requires_grad))
            return sum((s - t).pow(2).sum() for s, t in zip(student, teacher[:2])) + 0 * teacher[2].sum()

    student, teacher = _SharedTower(), _SharedTower()
    with torch.no_grad():
        teacher.tower[0].weight.mul_(2.0)
    path = DistillPath("pair", [["tower.0@0", "tower.0@1"]], [["tower.0@0", "tower.0@1", "tower.1@1"]],
                       loss=PairLoss(), adapter=False)
    assert path.recorded_student_taps == ["tower.0@0", "tower.0@1"]
    assert path.recorded_teacher_taps == ["tower.0@0", "tower.0@1", "tower.1@1"]
    distiller = Distiller(student, teacher, [path], {"method": "equal"})
    levels = [torch.full((1, 2), 1.0), torch.full((1, 2), 3.0)]
    student(levels)
    teacher(levels)
    losses = distiller.path_losses()
    # (1 - 2)^2 * 2 + (3 - 6)^2 * 2: both levels of both models reached the loss, the teacher's detached.
    assert losses["pair"].item() == pytest.approx(20.0) and seen == [(2, 3, False)]
    with pytest.raises(ValueError, match=r"Path 'pair': layer 0 reads several taps, which no adapter or student "
                                         r"context tap can follow; pass adapter=False"):
        DistillPath("pair", [["tower.0@0", "tower.0@1"]], [["tower.0@0", "tower.0@1"]], loss=PairLoss())


def test_an_output_changed_in_place_is_refused_unless_its_tap_copies_it():
    """A residual block adds its shortcut to its branch's output in place: a plain tap of the branch would hand
    the loss the sum (after the block's ReLU); the recorder says so, and "@copy" records the branch itself."""
    from adakd.distill.taps import FeatureRecorder

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.branch = nn.Linear(2, 2, bias=False)
            nn.init.eye_(self.branch.weight)

        def forward(self, x):
            out = self.branch(x)
            out += x
            return out.relu_()

    model = Block()
    plain, copying = FeatureRecorder(model, ["branch"]), FeatureRecorder(model, ["branch@copy", "branch@0"])
    model(torch.tensor([[-3.0, 1.0]]))
    assert copying.get("branch@copy").tolist() == [[-3.0, 1.0]]  # before "+= x" and the ReLU
    assert copying.get("branch@0").tolist() == [[-3.0, 1.0]]  # one copy per call, whichever tap reads it
    with pytest.raises(RuntimeError, match=r"Tap 'branch': the model changed the output of 'branch' in place after "
                                           r"it was recorded \(e.g. a residual add\), .* tap 'branch@copy'"):
        plain.get("branch")


def test_taps_record_under_inference_mode_too():
    """Inference tensors keep no in-place counter: a model run under torch.inference_mode (deployment, a
    user's evaluation) is still tapped, without the in-place check."""
    from adakd.distill.taps import FeatureRecorder

    model = _SharedTower()
    recorder = FeatureRecorder(model, ["tower.0@1"])
    with torch.inference_mode():
        model([torch.ones(1, 2), torch.full((1, 2), 2.0)])
    assert recorder.get("tower.0@1").tolist() == [[2.0, 2.0]]
