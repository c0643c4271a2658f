"""The multitask balancers as path aggregators, each checked against its paper's defining property on toy
problems whose gradients are known: losses linear in one parameter vector θ, L_i = a_i·θ + b_i, so ∇L_i = a_i.
"""
import math

import numpy as np
import pytest
import torch
from torch import nn

from adakd.distill import AGGREGATOR_METHODS, GRADIENT_METHODS, build_aggregator
from adakd.distill.aggregators import cagrad_weights, imtl_g_weights, nash_weights, pcgrad_weights


def linear_losses(directions, offsets=None):
    """θ = 0 (a Parameter) and L_i = a_i·θ + b_i; returns θ and {path: loss}."""
    directions = torch.as_tensor(directions, dtype=torch.float64)
    theta = nn.Parameter(torch.zeros(directions.shape[1], dtype=torch.float64))
    offsets = offsets if offsets is not None else [1.0] * len(directions)
    names = [f"p{i}" for i in range(len(directions))]
    return theta, {n: a @ theta + b for n, a, b in zip(names, directions, offsets)}


def step_direction(method, directions, **options):
    """The gradient over θ of the aggregated objective (α = 1), and the aggregator."""
    theta, losses = linear_losses(directions)
    agg = build_aggregator(method, list(losses), params=[theta], **options)
    sum(agg(losses).values()).backward()
    return theta.grad, agg


def test_registered_with_their_names():
    assert AGGREGATOR_METHODS[-12:] == ("uncertainty", "dwa", "gradnorm", "pcgrad", "cagrad", "imtl_g", "nash_mtl",
                                        "famo", "rlw", "aligned_mtl", "db_mtl", "uw_so")
    with pytest.raises(ValueError, match=r"'cagrad' has no option \['C'\]; its options: \['c', 'rescale'\]"):
        build_aggregator("cagrad", ["a", "b"], params=[nn.Parameter(torch.ones(2))], C=0.5)
    with pytest.raises(ValueError, match="'famo' takes no per-path gradients, so no `representation`"):
        build_aggregator("famo", ["a", "b"], representation="backbone")
    with pytest.raises(ValueError, match="'dwa' sets its own weights; it takes no init_weights"):
        build_aggregator("dwa", ["a", "b"], init_weights=[1, 2])
    with pytest.raises(ValueError, match="PCGradAggregator needs `params`"):
        build_aggregator("pcgrad", ["a", "b"])
    with pytest.raises(ValueError, match="Unknown aggregation method 'nash';.*Did you mean 'nash_mtl'"):
        build_aggregator("nash", ["a", "b"])


# ------------------------------------------------------------------------------------------------- PCGrad
def pcgrad_two_paths_numpy(g1, g2):
    """Yu et al.'s Algorithm 1 for two gradients, written from the paper: project each on the other's normal
    plane if they conflict, then sum."""
    g1, g2 = np.asarray(g1, float), np.asarray(g2, float)
    dot = g1 @ g2
    if dot >= 0:
        return g1 + g2, g1, g2
    p1 = g1 - dot / (g2 @ g2) * g2
    p2 = g2 - dot / (g1 @ g1) * g1
    return p1 + p2, p1, p2


def test_pcgrad_two_paths_closed_form_and_no_conflict():
    # By hand: g1 = (1, 0), g2 = (-1, 1), g1·g2 = -1: g1' = g1 + g2/2 = (.5, .5), g2' = g2 + g1 = (0, 1).
    direction, agg = step_direction("pcgrad", [[1.0, 0.0], [-1.0, 1.0]])
    assert direction.tolist() == pytest.approx([0.5, 1.5])
    assert agg.path_weights() == pytest.approx({"p0": 2.0, "p1": 1.5})
    rng = np.random.default_rng(0)
    conflicts = 0
    for _ in range(20):
        g = rng.normal(size=(2, 5))
        expected, p1, p2 = pcgrad_two_paths_numpy(*g)
        conflicts += g[0] @ g[1] < 0
        # The projected gradients no longer conflict with the other path's gradient.
        assert p1 @ g[1] >= -1e-12 and p2 @ g[0] >= -1e-12
        gram = torch.from_numpy(g @ g.T)
        weights = pcgrad_weights(gram, torch.Generator().manual_seed(0)).numpy()
        assert weights @ g == pytest.approx(expected)
    assert conflicts >= 5  # both cases were exercised


def test_pcgrad_without_conflict_is_the_sum():
    direction, _ = step_direction("pcgrad", [[1.0, 0.0, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, 2.0]])
    assert direction.tolist() == pytest.approx([1.5, 1.0, 2.0])


# ------------------------------------------------------------------------------------------------- CAGrad
def test_cagrad_c_zero_is_the_average_gradient():
    a = [[1.0, 0.0, 2.0], [-3.0, 1.0, 0.0], [0.0, -1.0, 1.0]]
    direction, agg = step_direction("cagrad", a, c=0.0)
    assert direction.tolist() == pytest.approx(np.mean(a, axis=0).tolist())


def test_cagrad_maximises_the_worst_path_improvement_in_the_ball():
    """CAGrad's primal problem (Liu et al. 2021, §3): d maximises min_i g_i·d over ‖d − g0‖ ≤ c‖g0‖. Checked by
    brute force over the disc in 2-D, with the weights computed from the Gram matrix alone."""
    g = np.array([[2.0, 0.2], [-0.6, 1.0]])
    c = 0.4
    g0 = g.mean(0)
    radius = c * np.linalg.norm(g0)
    weights = cagrad_weights(torch.from_numpy(g @ g.T), c=c, rescale=False).numpy()
    d = weights @ g
    assert np.linalg.norm(d - g0) == pytest.approx(radius, rel=1e-3)
    r, t = np.meshgrid(np.linspace(0, radius, 200), np.linspace(0, 2 * np.pi, 2000))
    candidates = g0 + np.stack([r * np.cos(t), r * np.sin(t)], -1).reshape(-1, 2)
    best = (candidates @ g.T).min(1).max()
    assert (g @ d).min() == pytest.approx(best, abs=1e-3)
    # The improvement of the worst path is above the plain average's.
    assert (g @ d).min() > (g @ g0).min()
    # The default rescales by 1 / (1 + c²) (rescale=1 of the authors' release).
    assert cagrad_weights(torch.from_numpy(g @ g.T), c=c).numpy() == pytest.approx(weights / (1 + c * c), rel=1e-6)


# ---------------------------------------------------------------------------------------------- Nash-MTL
def test_nash_mtl_weights_solve_the_bargaining_equation():
    rng = np.random.default_rng(1)
    g = rng.normal(size=(3, 6)) * np.array([[1.0], [10.0], [0.1]])  # very different scales
    gram = torch.from_numpy(g @ g.T)
    alpha = nash_weights(gram)
    assert (alpha > 0).all()
    # Navon et al., §3: Gᵀ G α = 1/α.
    assert (gram @ alpha).numpy() == pytest.approx((1 / alpha).numpy(), rel=1e-7)
    # Orthogonal gradients: α_i = 1 / ‖g_i‖ by hand.
    direction, agg = step_direction("nash_mtl", [[3.0, 0.0], [0.0, 0.5]])
    assert agg.path_weights() == pytest.approx({"p0": 1 / 3, "p1": 2.0})
    assert direction.tolist() == pytest.approx([1.0, 1.0])  # every path advances by the same amount, 1


# ------------------------------------------------------------------------------------------------- IMTL-G
def imtl_g_numpy(g):
    """Liu et al. 2021, §3.2 closed form on the raw gradients: α_{2:} = g_1 Uᵀ (D Uᵀ)⁻¹, α_1 = 1 − Σ α_{2:}."""
    u = g / np.linalg.norm(g, axis=1, keepdims=True)
    D, U = g[0] - g[1:], u[0] - u[1:]
    rest = g[0] @ U.T @ np.linalg.inv(D @ U.T)
    return np.concatenate([[1 - rest.sum()], rest])


def test_imtl_g_equal_projections_on_every_unit_gradient():
    rng = np.random.default_rng(2)
    g = rng.normal(size=(4, 7)) * np.array([[1.0], [5.0], [0.2], [2.0]])
    alpha = imtl_g_weights(torch.from_numpy(g @ g.T)).numpy()
    assert alpha.sum() == pytest.approx(1.0)
    assert alpha == pytest.approx(imtl_g_numpy(g), rel=1e-6)
    combined = alpha @ g
    projections = g @ combined / np.linalg.norm(g, axis=1)
    assert projections == pytest.approx(np.full(4, projections[0]), rel=1e-6)
    # Through the aggregator: θ's gradient is that combination.
    direction, _ = step_direction("imtl_g", g.tolist())
    assert direction.numpy() == pytest.approx(combined, rel=1e-6)


# ------------------------------------------------------------------------------------------------ GradNorm
def test_gradnorm_step_favours_the_path_that_trains_slower():
    """Two paths with equal gradient norms n = 5; losses went 1 → 0.5 and 1 → 1, so the second trains slower
    (inverse training rates r = 2/3, 4/3). With w = (1, 1), target_i = n r_i^1.5, L_grad = Σ|w_i n − target_i|:
    ∂L_grad/∂w = (n, −n); through w = 2 softmax(ξ) at ξ = 0 (∂w_i/∂ξ_j = δ_ij − 1/2), ∂L_grad/∂ξ = (n, −n)."""
    a = torch.tensor([[3.0, 4.0], [0.0, -5.0]], dtype=torch.float64)
    theta = nn.Parameter(torch.zeros(2, dtype=torch.float64))
    agg = build_aggregator("gradnorm", ["p0", "p1"], params=[theta])
    agg({"p0": a[0] @ theta + 1.0, "p1": a[1] @ theta + 1.0})  # the first step records L(0)
    agg.gradnorm_logits.grad = None
    terms = agg({"p0": a[0] @ theta + 0.5, "p1": a[1] @ theta + 1.0})
    r = np.array([2 / 3, 4 / 3])
    assert terms["loss_distill_gradnorm"].item() == pytest.approx(np.abs(5 - 5 * r ** 1.5).sum(), rel=1e-6)
    terms["loss_distill_gradnorm"].backward()
    assert agg.gradnorm_logits.grad.tolist() == pytest.approx([5.0, -5.0])
    torch.optim.SGD([agg.gradnorm_logits], lr=0.01).step()
    weights = agg.path_weights()
    assert weights["p1"] > 1 > weights["p0"] and sum(weights.values()) == pytest.approx(2.0)
    # The weighted gradient norms move toward their targets n r^1.5 (closer than before the step).
    before = np.abs(np.array([5.0, 5.0]) - 5 * r ** 1.5).sum()
    after = np.abs(5 * np.array([weights["p0"], weights["p1"]]) - 5 * r ** 1.5).sum()
    assert after < before


# ----------------------------------------------------------------------------------------------------- DWA
@pytest.mark.parametrize("window", [1, 2, 3])
def test_dwa_weights_follow_its_formula(window):
    agg = build_aggregator("dwa", ["a", "b", "c"], window=window)
    # Losses change at every step, so a window's mean differs from its first, last and middle loss.
    rng = np.random.default_rng(window)
    losses = rng.uniform(0.2, 3.0, size=(4 * window, 3))
    seen = []
    for row in losses:
        seen.append(list(agg.path_weights().values()))
        agg({k: torch.tensor(v) for k, v in zip("abc", row)})
    # Liu et al. 2019: v_k = K exp(r_k / T) / Σ exp(r_i / T), r = mean L over window t−1 / over window t−2,
    # T = 2; 1 before two windows are complete.
    means = losses.reshape(4, window, 3).mean(axis=1)

    def dwa(previous, older):
        r = previous / older
        return 3 * np.exp(r / 2) / np.exp(r / 2).sum()

    expected = [[1.0] * 3] * (2 * window) + [list(dwa(means[1], means[0]))] * window \
        + [list(dwa(means[2], means[1]))] * window
    assert np.array(seen) == pytest.approx(np.array(expected), rel=1e-6)


# ------------------------------------------------------------------------------------------- uncertainty
def test_uncertainty_one_step_by_hand():
    agg = build_aggregator("uncertainty", ["a", "b"], alpha=1.0)
    losses = {"a": torch.tensor(2.0), "b": torch.tensor(0.5)}
    total = sum(agg(losses).values())
    # Σ e^{-s} L / 2 + s / 2 at s = 0: (2 + 0.5) / 2.
    assert total.item() == pytest.approx(1.25)
    total.backward()
    # ∂/∂s_i = (1 − e^{-s_i} L_i) / 2 = (−0.5, 0.25)
    assert agg.log_variances.grad.tolist() == pytest.approx([-0.5, 0.25])
    torch.optim.SGD(agg.parameters(), lr=0.1).step()
    assert agg.path_weights() == pytest.approx({"a": 0.5 * math.exp(-0.05), "b": 0.5 * math.exp(0.025)})


# ---------------------------------------------------------------------------------------------------- FAMO
def test_famo_one_step_by_hand():
    agg = build_aggregator("famo", ["a", "b"])
    # Step 1: z = (½, ½), v_i = (z_i / L_i) / Σ_j z_j / L_j = (1/4, 1) / 1.25.
    terms = agg({"a": torch.tensor(2.0, requires_grad=True), "b": torch.tensor(0.5, requires_grad=True)})
    assert agg.path_weights() == pytest.approx({"a": 0.2, "b": 0.8})
    assert terms["loss_distill_a"].item() == pytest.approx(0.4)
    # Step 2: δ = log L(t−1) − log L(t) = (log 2, log 1.25); ∂(zᵀδ)/∂ξ = z ⊙ (δ − zᵀδ) has signs (+, −);
    # Adam's first step moves each logit by lr against the sign of its gradient: ξ = (−0.025, 0.025).
    new = (1.0, 0.4)
    agg({"a": torch.tensor(new[0], requires_grad=True), "b": torch.tensor(new[1], requires_grad=True)})
    assert agg.task_logits.tolist() == pytest.approx([-0.025, 0.025], rel=1e-5)
    z = np.exp([-0.025, 0.025]) / np.exp([-0.025, 0.025]).sum()
    v = (z / np.array(new)) / (z / np.array(new)).sum()
    assert list(agg.path_weights().values()) == pytest.approx(v.tolist(), rel=1e-5)



def test_famo_resumed_from_its_state_dict_takes_the_uninterrupted_step(tmp_path):
    # FAMO moves its logits ξ with Adam: a resumed run takes the same steps only if the checkpoint holds Adam's
    # moments and step count too (a fresh Adam's first step is ±lr per logit, whatever the moments were).
    losses = [(2.0, 0.5), (1.0, 0.4), (1.6, 0.45), (0.9, 0.5), (0.8, 0.3), (0.85, 0.2), (0.5, 0.25)]

    def step(agg, pair):
        agg({"a": torch.tensor(pair[0], requires_grad=True), "b": torch.tensor(pair[1], requires_grad=True)})

    uninterrupted = build_aggregator("famo", ["a", "b"])
    for pair in losses[:4]:
        step(uninterrupted, pair)
    torch.save(uninterrupted.state_dict(), tmp_path / "famo.pth")
    resumed = build_aggregator("famo", ["a", "b"])
    resumed.load_state_dict(torch.load(tmp_path / "famo.pth", weights_only=True))  # strict: every key known
    for pair in losses[4:]:
        step(uninterrupted, pair)
        step(resumed, pair)
        assert torch.equal(resumed.task_logits, uninterrupted.task_logits)
        assert torch.equal(resumed.weights(), uninterrupted.weights())
    assert resumed.state_dict().keys() == uninterrupted.state_dict().keys()
    for key, value in uninterrupted.state_dict().items():
        assert torch.equal(resumed.state_dict()[key], value), key

# ---------------------------------------------------------------------------------- every gradient method
# DB-MTL's step holds earlier iterations' gradients (a moving average): no combination of this step's; see below.
@pytest.mark.parametrize("method", [m for m in GRADIENT_METHODS if m != "db_mtl"])
def test_gradient_methods_step_is_the_weighted_sum_of_path_gradients(method):
    a = [[1.0, -2.0, 0.5], [-1.0, 1.0, 2.0], [0.3, 0.3, -1.0]]
    direction, agg = step_direction(method, a)
    weights = np.array(list(agg.path_weights().values()))
    assert direction.numpy() == pytest.approx(weights @ np.array(a), rel=1e-6)
    assert np.isfinite(weights).all()


# ------------------------------------------------------------------------------------------------ RLW
def test_rlw_draws_softmax_normal_weights_per_iteration_the_same_on_resume():
    """LibMTL's RLW (default 'Normal'): batch_weight = softmax(N(0, I) sample); loss = Σ w_i L_i. Here the draw
    of iteration t comes from a generator seeded by (seed, t): the same for every process and on resume."""
    from adakd.distill.aggregators import rlw_weights
    from detectron2.utils.events import EventStorage

    aggregator = build_aggregator("rlw", ["a", "b", "c"], alpha=2.0)
    assert aggregator.weights().tolist() == pytest.approx([1 / 3] * 3)  # no iteration yet: the mean
    losses = {"a": torch.tensor(1.0), "b": torch.tensor(2.0), "c": torch.tensor(4.0)}
    drawn = []
    with EventStorage(5) as storage:
        for it in (5, 6):
            storage.iter = it
            terms = aggregator(losses)
            w = aggregator.weights().double()
            drawn.append(w)
            generator = torch.Generator().manual_seed(0 * 1_000_003 + it)
            expected = torch.softmax(torch.randn(3, generator=generator, dtype=torch.float64), dim=0)
            assert torch.allclose(w, expected) and float(w.sum()) == pytest.approx(1.0)
            assert {k: float(v) for k, v in terms.items()} == pytest.approx(
                {f"loss_distill_{n}": 2.0 * float(w[i]) * float(losses[n]) for i, n in enumerate("abc")})
    assert not torch.allclose(drawn[0], drawn[1])  # a new draw each iteration
    assert torch.allclose(rlw_weights(3, 0, 5), drawn[0])  # a resumed run at iteration 5 draws the same
    assert not torch.allclose(rlw_weights(3, 1, 5), drawn[0])  # another seed, other draws
    state = torch.random.get_rng_state()
    with EventStorage(7):
        aggregator(losses)
    assert torch.equal(torch.random.get_rng_state(), state)  # the training's random stream is untouched
    with pytest.raises(ValueError, match="RLWAggregator: seed must be an integer >= 0, got -1"):
        build_aggregator("rlw", ["a", "b"], seed=-1)


# ---------------------------------------------------------------------------------------------- Aligned-MTL
def _reference_aligned_mtl(grads):
    """LibMTL's Aligned_MTL.backward, re-expressed (torch.linalg.eigh for the removed torch.symeig): M = G Gᵀ,
    eigenpairs above max(λ)·K·eps(float32), largest first; B = √λ_min V Σ^{-1/2} Vᵀ; α = B.sum(0); the step
    Σ α_i g_i."""
    M = grads @ grads.t()
    lmbda, V = torch.linalg.eigh(M)
    tol = torch.max(lmbda) * max(M.shape[-2:]) * torch.finfo(torch.float32).eps
    rank = int(sum(lmbda > tol))
    order = torch.argsort(lmbda, dim=-1, descending=True)
    lmbda, V = lmbda[order][:rank], V[:, order][:, :rank]
    sigma = torch.diag(1 / lmbda.sqrt())
    B = lmbda[-1].sqrt() * ((V @ sigma) @ V.t())
    return B.sum(0)


def test_aligned_mtl_matches_the_reference_and_aligns_the_gradients():
    from adakd.distill.aggregators import aligned_mtl_weights

    generator = torch.Generator().manual_seed(0)
    grads = torch.randn(3, 10, generator=generator, dtype=torch.float64) * torch.tensor([[1.0], [30.0], [0.2]],
                                                                                      dtype=torch.float64)
    alpha = aligned_mtl_weights(grads @ grads.T)
    assert torch.allclose(alpha, _reference_aligned_mtl(grads), rtol=1e-10, atol=1e-12)
    # What the method is for: the rows α-combined are those of √λ_min · U (G's polar factor, orthonormal rows)
    # summed, so the step has the same projection √λ_min on every aligned (unit, orthogonal) component.
    u, sv, vh = torch.linalg.svd(grads, full_matrices=False)
    aligned = sv.min() * (u @ vh)  # rows orthogonal, each of norm σ_min
    assert torch.allclose(alpha @ grads, aligned.sum(0), rtol=1e-8, atol=1e-10)
    gram = aligned @ aligned.T
    assert torch.allclose(gram, sv.min() ** 2 * torch.eye(3, dtype=torch.float64), atol=1e-9)
    # Parallel gradients (rank 1): the reference keeps one eigenpair; so does this.
    parallel = torch.stack([grads[0], 2 * grads[0]])
    assert torch.allclose(aligned_mtl_weights(parallel @ parallel.T), _reference_aligned_mtl(parallel))
    assert aligned_mtl_weights(torch.zeros(2, 2)).tolist() == [0.0, 0.0]


# --------------------------------------------------------------------------------------------------- DB-MTL
def _reference_db_mtl_steps(weight, batches, beta=0.9, beta_sigma=0.0):
    """LibMTL's DB_MTL.backward, re-expressed for one shared parameter: per step, the gradients of
    log(L_i + 1e-8); buffer = g + beta / step^sigma * (buffer - g) from zeros; alpha = max‖buffer‖ / (‖buffer_i‖ +
    1e-8); the parameter's gradient is Σ alpha_i buffer_i (then an SGD step of lr 0.1 here)."""
    weight = weight.detach().clone().requires_grad_()
    buffer, grads_seen = torch.zeros(2, weight.numel(), dtype=torch.float64), []
    for step, x in enumerate(batches, start=1):
        losses = [((weight * x).sum() - 1) ** 2, (weight * x).pow(2).sum() * 1e-3]
        g = torch.stack([torch.autograd.grad(torch.log(loss + 1e-8), weight)[0].flatten() for loss in losses])
        buffer = g + (beta / step ** beta_sigma) * (buffer - g)
        norms = buffer.norm(dim=-1)
        alpha = norms.max() / (norms + 1e-8)
        new_grad = sum(alpha[i] * buffer[i] for i in range(2))
        grads_seen.append(new_grad.clone())
        with torch.no_grad():
            weight -= 0.1 * new_grad.view_as(weight)
    return weight.detach(), grads_seen


def test_db_mtl_takes_the_references_steps_and_resumes_from_its_buffers(tmp_path):
    from detectron2.utils.events import EventStorage

    generator = torch.Generator().manual_seed(0)
    start = torch.randn(4, generator=generator, dtype=torch.float64)
    batches = [torch.randn(4, generator=generator, dtype=torch.float64) for _ in range(4)]
    expected_weight, expected_grads = _reference_db_mtl_steps(start, batches)

    def run(aggregator, weight, steps, offset=0):
        grads = []
        with EventStorage(offset):
            for x in steps:
                losses = {"a": ((weight * x).sum() - 1) ** 2, "b": (weight * x).pow(2).sum() * 1e-3}
                terms = aggregator(losses)
                assert list(terms) == ["loss_distill_a", "loss_distill_b", "loss_distill_db_mtl"]
                assert float(terms["loss_distill_db_mtl"]) == 0.0  # the earlier steps' part: a gradient, no value
                weight.grad = None
                sum(terms.values()).backward()
                grads.append(weight.grad.clone())
                with torch.no_grad():
                    weight -= 0.1 * weight.grad
        return grads

    weight = nn.Parameter(start.clone())
    aggregator = build_aggregator("db_mtl", ["a", "b"], params=[weight]).double()
    grads = run(aggregator, weight, batches)
    for ours, reference in zip(grads, expected_grads):
        assert torch.allclose(ours, reference, rtol=1e-10, atol=1e-12)
    assert torch.allclose(weight.detach(), expected_weight)
    # The two losses differ by orders of magnitude; their moving averages, scaled, end with equal norms.
    norms = aggregator.grad_buffer.norm(dim=1)
    scales = norms.max() / (norms + 1e-8)
    assert float((scales * norms)[0]) == pytest.approx(float((scales * norms)[1]), rel=1e-6)
    # The weight on each loss this step: a_i (1 - β) / (L_i + 1e-8), the small loss weighted up.
    x = batches[-1]
    final = {"a": float(((weight.detach() + 0.1 * grads[-1]) * x).sum() - 1) ** 2}
    assert float(aggregator.last_weights[0]) == pytest.approx(float(scales[0]) * 0.1 / (final["a"] + 1e-8), rel=1e-6)

    # Resumed after two steps from the saved buffers: the same last two steps.
    weight = nn.Parameter(start.clone())
    first = build_aggregator("db_mtl", ["a", "b"], params=[weight]).double()
    run(first, weight, batches[:2])
    torch.save(first.state_dict(), tmp_path / "db_mtl.pth")
    resumed = build_aggregator("db_mtl", ["a", "b"], params=[weight]).double()
    resumed.load_state_dict(torch.load(tmp_path / "db_mtl.pth", weights_only=True))
    assert int(resumed.step) == 2
    for ours, reference in zip(run(resumed, weight, batches[2:], offset=2), expected_grads[2:]):
        assert torch.allclose(ours, reference, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="DBMTLAggregator balances the exact gradients .* no `representation`"):
        build_aggregator("db_mtl", ["a", "b"], params=[weight], representation="backbone")


# ---------------------------------------------------------------------------------------------------- UW-SO
def _reference_uw_so_loss(losses, T):
    """The authors' UW_SO.backward (lukaskirchdorfer/MTL4PPM, src/weighting/UW_SO.py) with use_softmax, ported:
    batch_weight = softmax((1 / (L.detach() + 1e-8)) / T); the loss Σ batch_weight_i L_i."""
    batch_weight = torch.nn.functional.softmax((1 / (losses.detach() + 1e-8)) / T, dim=-1)
    return (batch_weight * losses).sum(), batch_weight


@pytest.mark.parametrize("temperature", [1.0, 0.3, 50.0])
def test_uw_so_matches_the_reference_loss_and_gradients(temperature):
    weight = nn.Parameter(torch.tensor([0.7, -0.2, 1.5], dtype=torch.float64))
    x = torch.tensor([[1.0, 2.0, -1.0], [0.5, 0.1, 0.3], [-2.0, 0.4, 1.0]], dtype=torch.float64)

    def losses():  # three losses of different scales, each reaching the weight differently
        return (x @ weight).pow(2) * torch.tensor([1.0, 0.05, 3.0], dtype=torch.float64)

    reference, reference_weights = _reference_uw_so_loss(losses(), temperature)
    (reference_grad,) = torch.autograd.grad(reference, weight)
    aggregator = build_aggregator("uw_so", ["a", "b", "c"], temperature=temperature).double()
    terms = aggregator(dict(zip("abc", losses())))
    total = sum(terms.values())
    (grad,) = torch.autograd.grad(total, weight)
    assert float(total) == pytest.approx(float(reference), rel=1e-12)
    assert torch.allclose(grad, reference_grad, rtol=1e-10, atol=1e-14)
    assert torch.allclose(aggregator.weights(), reference_weights, rtol=1e-10)


def test_uw_so_weights_by_hand_and_stateless():
    aggregator = build_aggregator("uw_so", ["at", "st"], alpha=2.0, temperature=100.0)
    assert aggregator.weights().tolist() == [0.5, 0.5]  # before any losses: 1/K
    terms = aggregator({"at": torch.tensor(0.5), "st": torch.tensor(1.0)})
    # 1/L = (2, 1), / T = (0.02, 0.01): softmax = (e^0.01, 1) / (1 + e^0.01).
    expected = [math.exp(0.01) / (1 + math.exp(0.01)), 1 / (1 + math.exp(0.01))]
    assert aggregator.weights().tolist() == pytest.approx(expected, rel=1e-6)
    assert float(terms["loss_distill_at"]) == pytest.approx(2.0 * expected[0] * 0.5, rel=1e-6)
    # The paper's failure case at the authors' T = 1: L_AT = 3.4e-3 beside L_ST = 1 leaves ST e^-(294 - 1).
    aggregator = build_aggregator("uw_so", ["at", "st"]).double()
    aggregator({"at": torch.tensor(3.4e-3, dtype=torch.float64), "st": torch.tensor(1.0, dtype=torch.float64)})
    weights = aggregator.weights()
    assert float(weights[0]) == pytest.approx(1.0) and float(weights[1]) == pytest.approx(
        math.exp(1.0 - 1 / (3.4e-3 + 1e-8)), rel=1e-6, abs=0)
    assert len(aggregator.state_dict()) == 0  # nothing to save: a resumed run computes the same weights
    aggregator.eval()  # outside training: the last weights, whatever the losses
    aggregator({"at": torch.tensor(1.0), "st": torch.tensor(1.0)})
    assert torch.equal(aggregator.weights(), weights)
    with pytest.raises(ValueError, match="UWSOAggregator: temperature must be a finite number > 0, got 0"):
        build_aggregator("uw_so", ["a", "b"], temperature=0)


def test_uw_so_weighs_by_the_losses_averaged_over_processes(monkeypatch):
    """Under data parallelism every process uses the weights of the losses averaged over processes (an all-reduce
    of a copy: the losses the terms are made of stay this process's own). Two processes are simulated: the
    all-reduce adds the other one's losses (0.5, 3.0) to ours (1.5, 1.0), so the mean is (1.0, 2.0)."""
    from adakd.distill import path_gradients

    monkeypatch.setattr(path_gradients, "world_size", lambda: 2)
    monkeypatch.setattr(path_gradients.dist, "all_reduce",
                        lambda tensor: tensor.add_(torch.tensor([0.5, 3.0], dtype=tensor.dtype)))
    aggregator = build_aggregator("uw_so", ["a", "b"], temperature=0.5).double()
    losses = {"a": torch.tensor(1.5, dtype=torch.float64), "b": torch.tensor(1.0, dtype=torch.float64)}
    terms = aggregator(losses)
    # 1/mean = (1, 0.5), / T = (2, 1): softmax = (e, 1) / (e + 1) (to the 1e-8 added to each loss).
    expected = [math.e / (math.e + 1), 1 / (math.e + 1)]
    assert aggregator.weights().tolist() == pytest.approx(expected, rel=1e-7)
    assert [float(terms["loss_distill_a"]), float(terms["loss_distill_b"])] == pytest.approx(
        [expected[0] * 1.5, expected[1] * 1.0], rel=1e-7)
