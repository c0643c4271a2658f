"""Per-path gradients (exact and MGDA-UB representation modes, data-parallel averaging) and the gradient
diagnostics, on models whose gradients are known by hand."""
import logging
import math

import pytest
import torch
from detectron2.utils.events import EventStorage
from torch import nn

from adakd.distill import GRADIENT_METHODS, Distiller, DistillPath, PathGradients
from adakd.distill.aggregators.build import BALANCERS


class MSE(nn.Module):
    def forward(self, student, teacher):
        return (student - teacher).pow(2).mean()


class CosineDistance(nn.Module):
    def forward(self, student, teacher):
        return 1 - nn.functional.cosine_similarity(student.flatten(1), teacher.flatten(1)).mean()


class Parameter(nn.Module):
    """Outputs its parameter, whatever the input: the representation is the parameter itself."""

    def __init__(self, value):
        super().__init__()
        self.value = nn.Parameter(torch.as_tensor(value, dtype=torch.float32))

    def forward(self, x):
        return self.value * 1.0


class Constant(nn.Module):
    def __init__(self, value):
        super().__init__()
        self.register_buffer("value", torch.as_tensor(value, dtype=torch.float32))

    def forward(self, x):
        return self.value


def representation_models(seed=0):
    """Student: one shared parameter z (1, 3, 2, 2) read by every path. Teacher: two fixed targets."""
    gen = torch.Generator().manual_seed(seed)
    student = nn.Sequential(Parameter(torch.randn(1, 3, 2, 2, generator=gen)))
    teacher = nn.Sequential(Constant(torch.randn(1, 3, 2, 2, generator=gen)),
                            Constant(torch.randn(1, 3, 2, 2, generator=gen)))
    paths = [DistillPath("mse", "0", "0", MSE()), DistillPath("angle", "0", "1", CosineDistance()),
             DistillPath("far", "0", "1", MSE())]
    return student, teacher, paths


# DB-MTL balances the exact gradients only (as its reference; it refuses a representation, tested with it).
REPRESENTATION_METHODS = [m for m in GRADIENT_METHODS if getattr(BALANCERS.get(m), "takes_representation", True)]
assert "db_mtl" not in REPRESENTATION_METHODS and "pcgrad" in REPRESENTATION_METHODS


@pytest.mark.parametrize("method", REPRESENTATION_METHODS)
def test_representation_mode_equals_exact_when_the_representation_is_the_only_shared_parameter(method):
    weights = {}
    for mode in ("exact", "representation"):
        student, teacher, paths = representation_models()
        options = {"representation": "0"} if mode == "representation" else {}
        distiller = Distiller(student, teacher, paths, dict(method=method, **options))
        distiller.train()
        student(None), teacher(None)
        distiller()
        weights[mode] = distiller.path_weights()
    assert weights["representation"] == pytest.approx(weights["exact"], rel=1e-5)
    if method in ("gradnorm", "pcgrad"):
        return  # weights of 1 at the first step whatever the Gram matrix: pcgrad projects, gradnorm learns later
    # The three gradients differ in norm and direction, so a method that reads the Gram matrix weighs them
    # unequally (a method ignoring it would return equal weights in both modes and pass the check above).
    values = list(weights["exact"].values())
    assert max(values) - min(values) > 0.1, weights
    if method == "multiobjective":
        assert list(weights["exact"].values()) == pytest.approx(_min_norm_on_a_grid(), abs=2e-3)


def _min_norm_on_a_grid(step=1e-3):
    """Eq. 4 for representation_models() without the library: the paths' gradients at z by autograd on fresh
    tensors, and the min-norm point of their convex hull searched on a grid over the simplex."""
    gen = torch.Generator().manual_seed(0)
    z = torch.randn(1, 3, 2, 2, generator=gen).requires_grad_()
    t0, t1 = torch.randn(1, 3, 2, 2, generator=gen), torch.randn(1, 3, 2, 2, generator=gen)
    losses = [MSE()(z, t0), CosineDistance()(z, t1), MSE()(z, t1)]
    g = torch.stack([torch.autograd.grad(loss, z)[0].flatten() for loss in losses]).double()
    a, b = torch.meshgrid(torch.arange(0, 1 + step / 2, step, dtype=torch.float64),
                          torch.arange(0, 1 + step / 2, step, dtype=torch.float64), indexing="ij")
    inside = a + b <= 1 + 1e-12
    v = torch.stack([a[inside], b[inside], (1 - a[inside] - b[inside]).clamp(min=0)], dim=1)
    best = v[((v @ g) ** 2).sum(1).argmin()]
    return best.tolist()


def test_representation_gram_is_the_gram_of_the_gradients_at_the_representation():
    z = torch.tensor([[1.0, 2.0], [0.5, -1.0]], requires_grad=True)
    losses = [z.pow(2).sum(), (3 * z).sum()]  # gradients 2z and 3
    gram = PathGradients().gram(losses, representation=[z])
    g = torch.stack([2 * z.detach().flatten(), torch.full((4,), 3.0)]).double()
    assert torch.allclose(gram, g @ g.T)
    with pytest.raises(ValueError, match="path 'b' does not depend on the shared representation"):
        PathGradients().gram([z.sum(), torch.ones(()).requires_grad_() * 2], representation=[z], names=["a", "b"])


class CountBackward(torch.autograd.Function):
    """Identity that counts how often autograd runs its backward."""
    calls = 0

    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        CountBackward.calls += 1
        return grad


@pytest.mark.parametrize("method,mode", [(m, "exact") for m in GRADIENT_METHODS]
                         + [(m, "representation") for m in REPRESENTATION_METHODS])
def test_each_path_gradient_backpropagates_through_that_path_only(method, mode):
    """Taking path b's gradient must not run path a's backward (with zeros): with two paths, a's graph is
    traversed once per step, for a's own gradient."""
    from adakd.distill import build_aggregator

    z = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
    options = {"representation": "z"} if mode == "representation" else {"params": [z]}
    aggregator = build_aggregator(method, ["a", "b"], **options)
    aggregator.train()
    CountBackward.calls = 0
    losses = {"a": CountBackward.apply(z).pow(2).sum(), "b": (3 * z).sum()}
    with EventStorage(0):
        aggregator(losses, representation=[z]) if mode == "representation" else aggregator(losses)
    assert CountBackward.calls == 1


def _gram_rank(rank, init_file, out_dir):
    torch.distributed.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=2)
    torch.manual_seed(0)
    w = nn.Parameter(torch.randn(3))
    x = torch.randn(4, 3)  # the global batch; rank r holds rows 2r, 2r + 1
    local = x[2 * rank : 2 * rank + 2]
    z = local * w  # the representation of this rank's samples
    losses = [z.pow(2).mean(), z.sin().mean()]
    grams = {"exact": PathGradients([w]).gram(losses), "representation": PathGradients().gram(losses, [z])}
    torch.save(grams, f"{out_dir}/rank{rank}.pt")
    torch.distributed.destroy_process_group()


def test_gram_of_the_global_batch_under_data_parallelism(tmp_path):
    # fork, not spawn: the children need no fresh import of torch and detectron2 (seconds instead of a minute).
    torch.multiprocessing.start_processes(_gram_rank, args=(str(tmp_path / "init"), str(tmp_path)), nprocs=2,
                                          start_method="fork")
    # One process on the whole batch: the global loss is the mean over all samples.
    torch.manual_seed(0)
    w = nn.Parameter(torch.randn(3))
    x = torch.randn(4, 3)
    z = x * w
    losses = [z.pow(2).mean(), z.sin().mean()]
    expected = {"exact": PathGradients([w]).gram(losses), "representation": PathGradients().gram(losses, [z])}
    for rank in range(2):
        grams = torch.load(tmp_path / f"rank{rank}.pt")
        for mode in expected:
            assert torch.allclose(grams[mode], expected[mode], rtol=1e-5), mode


# ------------------------------------------------------------------------------------------- diagnostics
def diagnostics_distiller(period):
    """Student: w = 0 ∈ R²; paths a, b: MSE to (1, 0) and (0, −1), gradients w − t = (−1, 0) and (0, 1);
    task loss w·(1, 1), gradient (1, 1). Hand-tuned weights 2 and 3, α = 0.5."""
    student = nn.Sequential(Parameter([[0.0, 0.0]]))
    teacher = nn.Sequential(Constant([[1.0, 0.0]]), Constant([[0.0, -1.0]]))
    paths = [DistillPath("a", "0", "0", MSE()), DistillPath("b", "0", "1", MSE())]
    distiller = Distiller(student, teacher, paths, dict(method="hand_tuned", init_weights=[2.0, 3.0], alpha=0.5),
                          diagnostics_period=period)
    distiller.train()
    return student, teacher, distiller


def test_diagnostics_cosines_and_norms_known_by_hand(caplog):
    student, teacher, distiller = diagnostics_distiller(period=5)
    with EventStorage(0) as storage, caplog.at_level(logging.WARNING, logger="adakd.distill.diagnostics"):
        for iteration in range(21):
            storage.iter = iteration
            w = student(None)
            teacher(None)
            distiller(task_losses={"loss_task": (w * torch.tensor([1.0, 1.0])).sum()})
        history = {k: [(it, v) for v, it in storage.history(k).values()] for k in storage.histories()}
    expected = {
        "distill/a/grad_norm": 0.5 * 2.0 * 1.0,  # α · v_a · ‖(−1, 0)‖
        "distill/b/grad_norm": 0.5 * 3.0 * 1.0,
        "distill/task/grad_norm": math.sqrt(2),
        "distill/a/cos_task": -1 / math.sqrt(2),
        "distill/b/cos_task": 1 / math.sqrt(2),
        "distill/cos/a/b": 0.0,
    }
    for key, value in expected.items():
        # Logged at iterations 0, 5, ..., 20 only.
        assert [it for it, _ in history[key]] == [0, 5, 10, 15, 20], key
        assert [v for _, v in history[key]] == pytest.approx([value] * 5, abs=1e-6), key
    # cos_task < 0 for a in the last 5 logged values: one warning, naming a (and not b).
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "path 'a'" in warnings[0] and "cos_task < 0" in warnings[0]


def test_diagnostics_off_by_default_and_bad_period():
    student, teacher, distiller = diagnostics_distiller(period=0)
    with EventStorage(0) as storage:
        student(None), teacher(None)
        distiller(task_losses={"loss_task": student[0].value.sum()})
        assert not [k for k in storage.histories() if "grad_norm" in k or "cos" in k]
    with pytest.raises(ValueError, match="diagnostics_period must be an integer >= 0"):
        distiller.diagnostics_period = -1
    with pytest.raises(ValueError, match=r"path names \['task'\] are reserved"):
        Distiller(student, teacher, [DistillPath("task", "0", "0", MSE())], dict(method="equal"))
