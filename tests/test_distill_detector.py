"""DistillDenseDetector on the embedded benchmark: the trust checks a user of a KD toolkit asks for."""
import os

import pytest
import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.data import DatasetCatalog, DatasetMapper
from detectron2.utils.env import seed_all_rng
from detectron2.utils.events import EventStorage
from omegaconf import OmegaConf

from adakd.config import apply_checked_overrides

from .config_runs import flat_gradient, two_path_min_norm
from .stand_in_teacher import stand_in_teacher

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = os.path.join(ROOT, "projects/AdaptiveKD/configs")
TINY_DATA = [
    "dataloader.train.dataset.names=tiny_shapes_train",
    "dataloader.train.num_workers=0",
    "dataloader.train.total_batch_size=4",
    "train.device=cpu",
]


@pytest.fixture(scope="module")
def teacher_weights(tmp_path_factory, tiny_shapes):
    return stand_in_teacher("shapes_teacher.py", "tiny_shapes_train", tmp_path_factory.mktemp("teacher") / "teacher.pth")


def distill_cfg(teacher_weights, *overrides):
    return apply_checked_overrides(
        LazyConfig.load(os.path.join(CONFIGS, "shapes_adaptive.py")),
        TINY_DATA + [f"model.teacher_weights={teacher_weights}", *overrides],
    )


def retinanet_teacher_model():
    """The shapes RetinaNet (shapes_retinanet_student.py) on the shapes teacher's depth-101 backbone."""
    model = LazyConfig.load(os.path.join(CONFIGS, "shapes_retinanet_student.py")).model
    model.backbone.bottom_up.stages.depth = 101
    model.backbone.bottom_up.stages.width = 24
    model.backbone.bottom_up.stem.out_channels = 24
    return model


@pytest.fixture(scope="module")
def retinanet_teacher_weights(tmp_path_factory, tiny_shapes):
    path = tmp_path_factory.mktemp("retinanet_teacher") / "teacher.pth"
    return stand_in_teacher(retinanet_teacher_model(), "tiny_shapes_train", path)


def retinanet_distill_cfg(teacher_weights):
    """shapes_adaptive.py with RetinaNet student and teacher and RetinaNet's Box path (Feats_P + Box)."""
    from adakd.modeling.meta_arch import DistillRetinaNet

    cfg = distill_cfg(teacher_weights)
    paths = LazyConfig.load(os.path.join(CONFIGS, "common/detection_paths.py"))
    cfg.model._target_ = DistillRetinaNet
    cfg.model.student = LazyConfig.load(os.path.join(CONFIGS, "shapes_retinanet_student.py")).model
    cfg.model.teacher = retinanet_teacher_model()
    cfg.model.paths = [paths.feats_p, paths.box_retinanet]
    return cfg


def train_steps(cfg, steps=3):
    """detectron2's training step, by hand, recording every iteration's losses."""
    seed_all_rng(0)
    model = instantiate(cfg.model)
    model.train()
    cfg.optimizer.params.model = model
    optimizer = instantiate(cfg.optimizer)
    loader = iter(instantiate(cfg.dataloader.train))
    history = []
    with EventStorage(0) as storage:
        for it in range(steps):
            storage.iter = it
            losses = model(next(loader))
            optimizer.zero_grad()
            sum(losses.values()).backward()
            optimizer.step()
            history.append({k: v.item() for k, v in losses.items()})
            storage.step()
        weights = {k: storage.history(k).latest() for k in storage.histories() if k.startswith("distill/")}
    return model, history, weights


def test_alpha_zero_reproduces_plain_student_training(tiny_shapes, teacher_weights):
    plain_cfg = apply_checked_overrides(LazyConfig.load(os.path.join(CONFIGS, "shapes_student.py")), TINY_DATA)
    # The first training step in a process differs in the last bits from later ones (CPU kernels warm up);
    # two separate processes agree exactly. Warm up once so both runs below are "later ones".
    train_steps(plain_cfg, steps=1)
    plain, plain_history, _ = train_steps(plain_cfg)
    distilled, distill_history, logged = train_steps(distill_cfg(teacher_weights, "model.aggregator.alpha=0.0"))
    task_keys = sorted(plain_history[0])
    assert task_keys == ["loss_bbox", "loss_dfl", "loss_qfl"]
    # Identical per-iteration task losses and identical final weights: the wrapper itself changes nothing.
    assert [[h[k] for k in task_keys] for h in distill_history] == [[h[k] for k in task_keys] for h in plain_history]
    distilled_state = distilled.student_state_dict()
    for key, value in plain.state_dict().items():
        assert torch.equal(value, distilled_state[key]), key
    # Distillation terms were computed (and weighted by 0), and their weights were logged.
    assert all(h["loss_distill_feats_p"] == 0.0 and h["loss_distill_box"] == 0.0 for h in distill_history)
    assert set(logged) == {"distill/feats_p/loss", "distill/feats_p/weight", "distill/box/loss", "distill/box/weight"}
    assert logged["distill/box/loss"] > 0


def test_teacher_frozen_and_student_export(tiny_shapes, teacher_weights, tmp_path):
    cfg = distill_cfg(teacher_weights)
    seed_all_rng(0)
    model = instantiate(cfg.model)
    teacher_before = {k: v.clone() for k, v in model.teacher.state_dict().items()}
    assert not any(k.startswith("teacher") for k in model.state_dict())
    cfg.optimizer.params.model = model
    optimizer = instantiate(cfg.optimizer)
    assert not {id(p) for p in model.teacher.parameters()} & {id(p) for g in optimizer.param_groups for p in g["params"]}
    model.train()
    loader = iter(instantiate(cfg.dataloader.train))
    with EventStorage(0):
        for _ in range(2):
            losses = model(next(loader))
            assert losses["loss_distill_feats_p"] > 0 and losses["loss_distill_box"] > 0
            optimizer.zero_grad()
            sum(losses.values()).backward()
            optimizer.step()
    for key, value in model.teacher.state_dict().items():  # weights and BN statistics alike
        assert torch.equal(value, teacher_before[key]), key
    assert not model.teacher.training

    # The exported student loads into the plain student config and predicts exactly the same boxes.
    path = tmp_path / "student.pth"
    torch.save({"model": model.student_state_dict()}, path)
    plain = instantiate(LazyConfig.load(os.path.join(CONFIGS, "shapes_student.py")).model)
    from detectron2.checkpoint import DetectionCheckpointer

    incompatible = DetectionCheckpointer(plain)._load_model(torch.load(path, weights_only=True))
    assert not incompatible.missing_keys and not incompatible.unexpected_keys
    model.eval()
    plain.eval()
    mapper = DatasetMapper(is_train=False, augmentations=[], image_format="BGR")
    inputs = [mapper(d) for d in DatasetCatalog.get("tiny_shapes_train")[:2]]
    with torch.no_grad():
        ours, theirs = model(inputs), plain(inputs)
    for a, b in zip(ours, theirs):
        assert torch.equal(a["instances"].pred_boxes.tensor, b["instances"].pred_boxes.tensor)
        assert torch.equal(a["instances"].scores, b["instances"].scores)


def test_missing_or_corrupt_teacher_weights(tiny_shapes, tmp_path):
    with pytest.raises(FileNotFoundError, match="Teacher weights '.*no_teacher.pth' not found"):
        instantiate(distill_cfg(str(tmp_path / "no_teacher.pth")).model)
    corrupt = tmp_path / "corrupt.pth"
    corrupt.write_bytes(b"not a checkpoint")
    with pytest.raises(RuntimeError, match="corrupt.pth' are unreadable"):
        instantiate(distill_cfg(str(corrupt)).model)
    with pytest.raises(ValueError, match="teacher.weights is empty"):
        instantiate(distill_cfg("").model)
    partial = tmp_path / "partial.pth"
    torch.save({"model": {"backbone.fpn_lateral3.weight": torch.zeros(1)}}, partial)
    with pytest.raises(RuntimeError, match="do not match the teacher model"):
        instantiate(distill_cfg(str(partial)).model)


def test_distill_gfl_localization_distillation(tiny_shapes, teacher_weights):
    model, history, logged = train_steps(distill_cfg(teacher_weights), steps=2)
    assert {"loss_qfl", "loss_bbox", "loss_dfl", "loss_distill_feats_p", "loss_distill_box"} <= set(history[0])
    assert history[0]["loss_distill_box"] > 0 and logged["distill/box/weight"] != 1.0  # z moved after 2 steps

    # The Box path sees LD positives that mark exactly the ATSS positives, level by level.
    mapper = DatasetMapper(is_train=True, augmentations=[], image_format="BGR")
    batch = [mapper(d) for d in DatasetCatalog.get("tiny_shapes_train")[:2]]
    with torch.no_grad():
        images = model.teacher.preprocess_image(batch)
        features = model.run_tapped(model.teacher, images.tensor)
        box_positive = model.distillation_context(batch, features)["box_positive"]
        anchors = model.teacher.anchor_generator(features)
        expected = torch.stack([model.teacher.atss_assign(anchors, b["instances"]) >= 0 for b in batch])
    model.distiller.clear()
    assert [tuple(w.shape) for w in box_positive] == [(2, *f.shape[-2:]) for f in features]
    assert torch.equal(torch.cat([w.reshape(2, -1) for w in box_positive], dim=1), expected.float())
    assert 0 < expected.sum() < expected.numel()


def test_distill_retinanet_box_context_marks_matched_anchors_and_their_deltas(tiny_shapes, retinanet_teacher_weights):
    model = instantiate(retinanet_distill_cfg(retinanet_teacher_weights).model)
    mapper = DatasetMapper(is_train=True, augmentations=[], image_format="BGR")
    batch = [mapper(d) for d in DatasetCatalog.get("tiny_shapes_train")[:2]]
    with torch.no_grad():
        features = model.run_tapped(model.teacher, model.teacher.preprocess_image(batch).tensor)
        context = model.distillation_context(batch, features)
        anchors = model.teacher.anchor_generator(features)
        labels, matched = model.teacher.label_anchors(anchors, [b["instances"] for b in batch])
    model.distiller.clear()
    box_positive, box_target = context["box_positive"], context["box_target"]
    assert [tuple(w.shape) for w in box_positive] == [(2, *f.shape[-2:], 9) for f in features]
    assert [tuple(w.shape) for w in box_target] == [(2, *f.shape[-2:], 9, 4) for f in features]
    expected = torch.stack([(l >= 0) & (l < 6) for l in labels]).float()
    assert torch.equal(torch.cat([w.reshape(2, -1) for w in box_positive], dim=1), expected)
    assert 0 < expected.sum() < 200
    # The targets are RetinaNet's own regression targets (anchor -> matched box deltas), in the same order.
    all_anchors = torch.cat([a.tensor for a in anchors])
    deltas = torch.stack([model.teacher.box2box_transform.get_deltas(all_anchors, m) for m in matched])
    assert torch.allclose(torch.cat([t.reshape(2, -1, 4) for t in box_target], dim=1), deltas)


def test_st_path_on_classification_logits_matches_sigmoid_kl_by_hand(tiny_shapes, teacher_weights):
    """common/detection_paths.py's ST path: the sigmoid KL between teacher and student scores, summed over
    the A·K outputs of a location, averaged over the locations of all levels together (T = 1)."""
    cfg = distill_cfg(teacher_weights)
    paths = LazyConfig.load(os.path.join(CONFIGS, "common/detection_paths.py"))
    cfg.model.paths = [paths.st_cls]
    cfg.model.aggregator = dict(method="hand_tuned", init_weights={"st": 1.0})
    model = instantiate(cfg.model)
    model.train()
    mapper = DatasetMapper(is_train=True, augmentations=[], image_format="BGR")
    batch = [mapper(d) for d in DatasetCatalog.get("tiny_shapes_train")[:2]]
    with EventStorage(0), torch.no_grad():
        losses = model(batch)
        images = model.student.preprocess_image(batch).tensor
        student_logits = model.student.head([model.student.backbone(images)[f] for f in model.student.head_in_features])[0]
        teacher_logits = model.teacher.head([model.teacher.backbone(images)[f] for f in model.teacher.head_in_features])[0]
    total, locations = 0.0, 0
    for s, t in zip(student_logits, teacher_logits):
        p, q = torch.sigmoid(t.double()), torch.sigmoid(s.double())
        per_output = p * (p / q).log() + (1 - p) * ((1 - p) / (1 - q)).log()
        total += per_output.sum(dim=1).sum().item()
        locations += per_output.sum(dim=1).numel()
    expected = total / locations
    assert expected > 0
    assert losses["loss_distill_st"].item() == pytest.approx(expected, rel=1e-4)


SHAPES_ROWS = {  # config: (paths, aggregator method, hand-tuned weights)
    "shapes_single_feats": (["feats_p"], "hand_tuned", {"feats_p": 1.0}),
    "shapes_single_feats_b": (["feats_b"], "hand_tuned", {"feats_b": 1.0}),
    "shapes_single_box": (["box"], "hand_tuned", {"box": 0.25}),
    "shapes_equal": (["feats_p", "box"], "equal", None),
    "shapes_hand_tuned": (["feats_p", "box"], "hand_tuned", {"feats_p": 1.0, "box": 0.25}),
    "shapes_hand_tuned_feats_b": (["feats_b", "box"], "hand_tuned", {"feats_b": 1.0, "box": 0.25}),
    "shapes_multiobjective": (["feats_p", "box"], "multiobjective", None),
    "shapes_multiobjective_feats_b": (["feats_b", "box"], "multiobjective", None),
    "shapes_adaptive": (["feats_p", "box"], "adaptive", None),
    "shapes_adaptive_feats_b": (["feats_b", "box"], "adaptive", None),
    "shapes_single_pkd": (["pkd"], "hand_tuned", {"pkd": 10.0}),
    "shapes_hand_tuned_pkd_box": (["pkd", "box"], "hand_tuned", {"pkd": 10.0, "box": 0.25}),
    "shapes_adaptive_pkd_box": (["pkd", "box"], "adaptive", None),
    "shapes_single_crosskd": (["crosskd"], "hand_tuned", {"crosskd": 1.0}),
    "shapes_hand_tuned_pkd_crosskd_box": (["pkd", "crosskd", "box"], "hand_tuned",
                                          {"pkd": 10.0, "crosskd": 1.0, "box": 0.25}),
    "shapes_adaptive_pkd_crosskd_box": (["pkd", "crosskd", "box"], "adaptive", None),
}


@pytest.mark.parametrize("row", sorted(SHAPES_ROWS))
def test_shapes_detection_rows_share_the_student_recipe_and_differ_only_in_distillation(tiny_shapes, teacher_weights, row):
    cfg = LazyConfig.load(os.path.join(CONFIGS, f"{row}.py"))
    student = LazyConfig.load(os.path.join(CONFIGS, "shapes_student.py"))
    # Fairness: the recipe and the student model are those of the student trained alone.
    for key in ("optimizer.lr", "optimizer.weight_decay", "train.max_iter", "lr_multiplier", "dataloader.train"):
        assert OmegaConf.select(cfg, key) == OmegaConf.select(student, key), key
    assert LazyConfig.to_py(cfg.model.student) == LazyConfig.to_py(student.model)
    paths, method, weights = SHAPES_ROWS[row]
    assert [p.name for p in cfg.model.paths] == paths and cfg.model.aggregator["method"] == method
    assert cfg.model.aggregator.get("init_weights") == weights
    # One training step on the tiny set: every path contributes a finite, positive loss.
    cfg = apply_checked_overrides(cfg, TINY_DATA + [f"model.teacher_weights={teacher_weights}"])
    _, history, _ = train_steps(cfg, steps=1)
    for name in paths:
        assert 0 < history[0][f"loss_distill_{name}"] < float("inf"), name


def test_feature_kd_non_local_blocks_are_trained_but_not_exported(tiny_shapes, teacher_weights):
    """Zhang & Ma's non-local blocks (student's and teacher's) belong to the Feats_P loss: the optimizer
    trains them, the checkpoint keeps them, the exported student does not carry them."""
    cfg = distill_cfg(teacher_weights)
    model, _, _ = train_steps(cfg, steps=1)
    feats_p = model.distiller.paths[0]
    assert feats_p.name == "feats_p" and len(feats_p.loss) == 3  # P3-P5: never the extra P6/P7
    cfg.optimizer.params.model = model
    optimized = {id(p) for g in instantiate(cfg.optimizer).param_groups for p in g["params"]}
    loss_params = dict(feats_p.loss.named_parameters())
    assert any(".teacher_non_local." in k for k in loss_params) and any(".student_non_local." in k for k in loss_params)
    assert all(id(p) in optimized for p in loss_params.values())
    # One step moved them: the BN scale of each non-local output starts at 0.
    for level in feats_p.loss:
        assert level.teacher_non_local.out_norm.weight.abs().sum() > 0
        assert level.student_non_local.out_norm.weight.abs().sum() > 0
    assert any(".teacher_non_local." in k for k in model.state_dict())
    assert not any("non_local" in k or "distiller" in k for k in model.student_state_dict())


BALANCERS = ("uncertainty", "dwa", "gradnorm", "pcgrad", "cagrad", "imtl_g", "nash_mtl", "famo", "rlw", "aligned_mtl", "db_mtl", "uw_so")


@pytest.mark.parametrize("task,base", [("shapes", "shapes_adaptive"), ("shapes_sem_seg", "shapes_sem_seg_adaptive"),
                                       ("shapes_cls", "shapes_cls_adaptive")])
def test_balancer_configs_differ_from_adaptive_only_in_the_aggregator(task, base):
    adaptive = LazyConfig.load(os.path.join(CONFIGS, f"{base}.py"))
    for method in BALANCERS:
        cfg = LazyConfig.load(os.path.join(CONFIGS, f"{task}_{method}.py"))
        assert cfg.model.aggregator == {"method": method}
        assert [p.name for p in cfg.model.paths] == [p.name for p in adaptive.model.paths]
        for key in ("optimizer", "train.max_iter", "dataloader.train", "model.student", "model.teacher"):
            assert OmegaConf.select(cfg, key) == OmegaConf.select(adaptive, key), (method, key)


def test_mgda_ub_detection_config_with_diagnostics(tiny_shapes, teacher_weights):
    """shapes_multiobjective_representation.py (Eq. 4 at the FPN outputs) trains, and model.diagnostics_period
    logs every path's gradient norm and cosines."""
    cfg = apply_checked_overrides(
        LazyConfig.load(os.path.join(CONFIGS, "shapes_multiobjective_representation.py")),
        TINY_DATA + [f"model.teacher_weights={teacher_weights}", "model.diagnostics_period=1"],
    )
    model, history, logged = train_steps(cfg, steps=1)
    assert model.diagnostics_period == 1 and model.distiller.representation_taps == ["backbone"]
    # One more forward: Eq. 4's weights of that step against the two-path closed form (Sener & Koltun's
    # γ = clip((g2·g2 − g1·g2) / ‖g1 − g2‖², 0, 1)), the gradients taken here at the FPN outputs by autograd.
    fpn = {}
    hook = model.student.backbone.register_forward_hook(lambda module, inputs, output: fpn.update(output))
    with EventStorage(1) as storage:
        losses = model(next(iter(instantiate(cfg.dataloader.train))))
        logged = {k: storage.history(k).latest() for k in storage.histories() if k.startswith("distill/")}
    hook.remove()
    weights = model.distiller.path_weights()
    outputs = [fpn[k] for k in sorted(fpn)]
    gamma = two_path_min_norm(*(flat_gradient(losses[f"loss_distill_{p}"], outputs) / weights[p]
                                for p in ("feats_p", "box")))
    assert 0 < gamma < 1  # strictly inside: neither weight is clipped to 0 or 1
    assert [weights["feats_p"], weights["box"]] == pytest.approx([gamma, 1 - gamma], rel=1e-4)
    # The diagnostics of that step: norms and cosines of the gradients over every trainable student parameter
    # (the task's: the sum of GFL's three losses), recomputed here by autograd.
    params = [p for p in model.student.parameters() if p.requires_grad]
    task = losses["loss_qfl"] + losses["loss_bbox"] + losses["loss_dfl"]
    grads = {name: flat_gradient(loss, params) for name, loss in
             [("feats_p", losses["loss_distill_feats_p"]), ("box", losses["loss_distill_box"]), ("task", task)]}
    cos = torch.nn.functional.cosine_similarity
    for name in ("feats_p", "box"):
        assert logged[f"distill/{name}/grad_norm"] == pytest.approx(float(grads[name].norm()), rel=1e-3)
        assert logged[f"distill/{name}/cos_task"] == pytest.approx(float(cos(grads[name], grads["task"], 0)),
                                                                   abs=1e-4)
    assert logged["distill/cos/feats_p/box"] == pytest.approx(float(cos(grads["feats_p"], grads["box"], 0)),
                                                              abs=1e-4)
    assert logged["distill/task/grad_norm"] == pytest.approx(float(grads["task"].norm()), rel=1e-3)


def test_crosskd_trains_the_students_towers_through_the_frozen_teacher_head(tiny_shapes, teacher_weights):
    """The crosskd path's gradient reaches the student's tower convs up to the crossing point (and the backbone),
    never the student's own last conv or predictors (the teacher's stand in for them), and never the teacher;
    the teacher's head is in no checkpoint and no optimizer group."""
    cfg = apply_checked_overrides(LazyConfig.load(os.path.join(CONFIGS, "shapes_single_crosskd.py")),
                                  TINY_DATA + [f"model.teacher_weights={teacher_weights}"])
    seed_all_rng(0)
    model = instantiate(cfg.model)
    model.train()
    batch = next(iter(instantiate(cfg.dataloader.train)))
    with EventStorage(0):
        model.student(batch)
        with model.teacher_pass():
            images = model.teacher.preprocess_image(batch)
            context = model.distillation_context(batch, model.run_tapped(model.teacher, images.tensor))
        loss = model.distiller.path_losses(context)["crosskd"]
    model.distiller.clear()
    head = model.student.head
    reached = [head.cls_subnet[6].weight, head.bbox_subnet[6].weight, head.cls_subnet[0].weight,
               model.student.backbone.fpn_output3.weight]
    not_reached = [head.cls_subnet[9].weight, head.bbox_subnet[9].weight, head.cls_score.weight, head.bbox_pred.weight]
    grads = torch.autograd.grad(loss, reached + not_reached, allow_unused=True)
    assert float(loss) > 0 and all(g is not None and float(g.abs().sum()) > 0 for g in grads[:len(reached)]), [
        None if g is None else float(g.abs().sum()) for g in grads]
    assert all(g is None for g in grads[len(reached):])
    assert all(p.grad is None and not p.requires_grad for p in model.teacher.parameters())
    assert not [k for k in model.state_dict() if "teacher" in k]
    cfg.optimizer.params.model = model
    optimized = {id(p) for g in instantiate(cfg.optimizer).param_groups for p in g["params"]}
    assert not optimized & {id(p) for p in model.teacher.parameters()}
