"""Training options switched on from a config and run through do_train (what tools/lazyconfig_train_net.py runs):
``train.amp.enabled``, ``train.grad_clip`` and ``train.eval_period``."""
import json
import math
import os

import numpy as np
import pytest
import torch
from fvcore.common.param_scheduler import LinearParamScheduler

from detectron2 import model_zoo
from detectron2.checkpoint import DetectionCheckpointer
from detectron2.config import LazyCall as L
from detectron2.config import LazyConfig, instantiate
from detectron2.evaluation import DatasetEvaluator
from detectron2.evaluation.testing import flatten_results_dict
from detectron2.utils.env import seed_all_rng

from adakd.config import apply_checked_overrides
from adakd.data import SHAPES_CLASSES
from adakd.engine.lazy_train import do_test, do_train

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STUDENT = os.path.join(ROOT, "projects/AdaptiveKD/configs/shapes_student.py")


def student_cfg(output_dir, *overrides, evaluate=False, config=STUDENT):
    """``config`` (default shapes_student.py) on the tiny shapes set, batch 2, CPU, with ``overrides`` given as on
    the command line."""
    cfg = apply_checked_overrides(LazyConfig.load(config), [
        "dataloader.train.dataset.names=tiny_shapes_train", "dataloader.test.dataset.names=tiny_shapes_val",
        "dataloader.train.num_workers=0", "dataloader.test.num_workers=0", "dataloader.train.total_batch_size=2",
        "train.device=cpu", f"train.output_dir={output_dir}", *overrides,
    ])
    if not evaluate:
        del cfg.dataloader.evaluator  # training only: do_test then evaluates nothing
    return cfg


def initial_weights(path):
    """The student's initial weights saved as a checkpoint, so that runs can start from the same point."""
    seed_all_rng(0)
    model = instantiate(LazyConfig.load(STUDENT).model)
    torch.save({"model": model.state_dict()}, path)
    return {name: p.detach().clone() for name, p in model.named_parameters()}, str(path)


def metrics(output_dir):
    with open(os.path.join(output_dir, "metrics.json")) as f:
        return [json.loads(line) for line in f]


def constant_lr(cfg, optimizer=None):
    # (fvcore's ConstantParamScheduler refuses where = 1, which detectron2's LRMultiplier reaches after the last step)
    cfg.lr_multiplier = L(LinearParamScheduler)(start_value=1.0, end_value=1.0)
    if optimizer is not None:
        cfg.optimizer = optimizer


# ------------------------------------------------------------------------------------------------------- AMP
def test_amp_from_the_config_trains_in_bfloat16_on_the_cpu(tiny_shapes, tmp_path):
    # detectron2's AMPTrainer asserts CUDA; on the CPU the forward autocasts to bfloat16 (CPUAMPTrainer). Check:
    # convolutions ran in bfloat16 under AMP and in float32 without it, the weights stay float32 and move, and
    # the first loss agrees with the float32 one to bfloat16's precision (8 bits: relative error ~1e-2), not exactly.
    initial, init_path = initial_weights(tmp_path / "init.pth")
    runs = {}
    for amp in (True, False):
        cfg = student_cfg(tmp_path / f"amp_{amp}", f"train.amp.enabled={amp}", "train.max_iter=2",
                          "train.log_period=1", f"train.init_checkpoint={init_path}")
        conv_dtypes = set()

        def record(module, inputs, output):
            if isinstance(module, torch.nn.Conv2d) and module.training:
                conv_dtypes.add(output.dtype)

        hook = torch.nn.modules.module.register_module_forward_hook(record)
        try:
            seed_all_rng(0)
            model = do_train(cfg)
        finally:
            hook.remove()
        losses = [r["total_loss"] for r in metrics(cfg.train.output_dir) if "total_loss" in r]
        trainer_state = torch.load(os.path.join(cfg.train.output_dir, "model_final.pth"), weights_only=False)["trainer"]
        runs[amp] = conv_dtypes, trainer_state, model, losses

    conv_dtypes, trainer_state, model, losses = runs[True]
    # An AMP trainer's checkpoint carries its grad scaler's state (empty: bfloat16 needs no scaling).
    assert conv_dtypes == {torch.bfloat16} and trainer_state["grad_scaler"] == {}
    assert runs[False][0] == {torch.float32} and "grad_scaler" not in runs[False][1]
    assert len(losses) == 2 and all(math.isfinite(v) for v in losses)
    assert {p.dtype for p in model.parameters()} == {torch.float32}
    assert any(not torch.equal(p.detach(), initial[name]) for name, p in model.named_parameters())
    assert all(torch.isfinite(p).all() for p in model.parameters())
    float32_loss = runs[False][3][0]
    print(f"first loss: bfloat16 autocast {losses[0]:.6f}, float32 {float32_loss:.6f}")
    assert losses[0] == pytest.approx(float32_loss, rel=3e-2) and losses[0] != float32_loss


def test_amp_distillation_paths_agree_with_float32(tiny_shapes, tmp_path):
    # shapes_adaptive.py (shipped teacher, Feats_P + the LD box path on the heads' bfloat16 outputs) under CPU
    # autocast: the first step's path losses equal the float32 run's to bfloat16's precision, not exactly (so
    # autocast was on), and stay finite; the z of Eq. 5 stay float32.
    adaptive = os.path.join(ROOT, "projects/AdaptiveKD/configs/shapes_adaptive.py")
    first = {}
    for amp in (True, False):
        cfg = student_cfg(tmp_path / f"amp_{amp}", f"train.amp.enabled={amp}", "train.max_iter=2",
                          "train.log_period=1", "train.seed=0", config=adaptive)
        seed_all_rng(0)
        model = do_train(cfg)
        records = [r for r in metrics(cfg.train.output_dir) if "distill/box/loss" in r]
        assert len(records) == 2 and all(math.isfinite(r[k]) for r in records for k in r)
        assert {p.dtype for p in model.parameters()} == {torch.float32}
        first[amp] = records[0]
    for key in ("distill/box/loss", "distill/feats_p/loss", "loss_qfl"):
        print(f"{key}: bfloat16 autocast {first[True][key]:.6f}, float32 {first[False][key]:.6f}")
        assert first[True][key] == pytest.approx(first[False][key], rel=5e-2) and first[True][key] != first[False][key]


# --------------------------------------------------------------------------------------------- grad clipping
def test_gradient_clipping_from_the_config_bounds_the_sgd_update(tiny_shapes, tmp_path):
    # Plain SGD (no momentum, no weight decay, constant lr) from the same weights on the same batch moves θ by
    # -lr·g without clipping and by -lr·g·max_norm/‖g‖ with it (‖g‖ > max_norm): ‖Δθ‖ = lr·min(‖g‖, max_norm).
    lr, max_norm = 1.0, 1e-2
    initial, init_path = initial_weights(tmp_path / "init.pth")
    updates, grad_norms = {}, {}
    for clip in (False, True):
        cfg = student_cfg(tmp_path / f"clip_{clip}", "train.max_iter=1", f"train.grad_clip.enabled={clip}",
                          f"train.grad_clip.max_norm={max_norm}", f"train.init_checkpoint={init_path}")
        sgd = model_zoo.get_config("common/optim.py").SGD
        sgd.lr, sgd.momentum, sgd.weight_decay = lr, 0.0, 0.0
        constant_lr(cfg, sgd)
        seed_all_rng(0)
        model = do_train(cfg)
        updates[clip] = {name: (p.detach() - initial[name]).double() for name, p in model.named_parameters()}
        grad_norms[clip] = [r["grad_norm"] for r in metrics(cfg.train.output_dir) if "grad_norm" in r]

    assert not grad_norms[False]  # the hook (and its grad_norm scalar) only when the config enables it
    (grad_norm,) = grad_norms[True]
    assert grad_norm > 100 * max_norm

    def norm(update):
        return math.sqrt(sum(float(u.square().sum()) for u in update.values()))

    print(f"‖g‖ = {grad_norm:.6f}; ‖Δθ‖ unclipped {norm(updates[False]):.6f}, clipped {norm(updates[True]):.8f}")
    assert norm(updates[False]) == pytest.approx(lr * grad_norm, rel=1e-3)
    assert norm(updates[True]) == pytest.approx(lr * max_norm, rel=1e-3)
    scale = max_norm / grad_norm  # same direction, scaled
    for name, update in updates[True].items():
        # Up to float32's spacing at the weights' magnitude (a bias at -4.6 moves in steps of 4.8e-7).
        spacing = torch.finfo(torch.float32).eps * float(initial[name].abs().max())
        assert torch.allclose(update, updates[False][name] * scale, rtol=1e-3, atol=spacing), name


# ------------------------------------------------------------------------------------ evaluation in training
class MeanScore(DatasetEvaluator):
    """Mean detection score over the dataset: moves with every weight update (COCO AP of a model 4 iterations
    old may not)."""

    def reset(self):
        self.scores = []

    def process(self, inputs, outputs):
        self.scores += [o["instances"].scores.double() for o in outputs]

    def evaluate(self):
        return {"detections": {"mean_score": float(torch.cat(self.scores).mean()), "count": len(self.scores)}}


def test_eval_period_evaluates_every_k_iterations_into_metrics_json(tiny_shapes, tmp_path):
    # max_iter = 2k, eval_period = k: detectron2's EvalHook evaluates after iterations k and 2k. metrics.json numbers
    # iterations from 0, so the first lands at k - 1; the last runs in after_train, when the trainer's iteration
    # has reached max_iter = 2k. Each record must hold the evaluator's results for the weights of that moment:
    # those of the checkpoint written then (checkpointer.period = k), evaluated again alone.
    k = 2
    cfg = student_cfg(tmp_path, f"train.max_iter={2 * k}", f"train.eval_period={k}", "train.log_period=1",
                      f"train.checkpointer.period={k}", "+model.test_score_thresh=0.0", evaluate=True)
    constant_lr(cfg)  # AdamW at lr 1e-3 from the first step: predictions change between evaluations
    coco = cfg.dataloader.evaluator
    coco.dataset_name = "tiny_shapes_val"
    cfg.dataloader.evaluator = [coco, L(MeanScore)()]
    seed_all_rng(0)
    do_train(cfg)

    evaluated = {r["iteration"]: r for r in metrics(tmp_path) if "detections/mean_score" in r}
    assert sorted(evaluated) == [k - 1, 2 * k]
    expected_keys = {f"bbox/{m}" for m in ("AP", "AP50", "AP75", "APs", "APm", "APl")}
    expected_keys |= {f"bbox/AP-{name}" for name in SHAPES_CLASSES} | {"detections/mean_score", "detections/count"}
    for iteration, checkpoint in ((k - 1, f"model_{k - 1:07d}.pth"), (2 * k, "model_final.pth")):
        record = evaluated[iteration]
        assert expected_keys <= set(record), expected_keys - set(record)
        model = instantiate(cfg.model)
        DetectionCheckpointer(model).load(str(tmp_path / checkpoint))
        again = flatten_results_dict(do_test(cfg, model))
        assert set(again) == expected_keys
        np.testing.assert_allclose([record[key] for key in sorted(again)], [again[key] for key in sorted(again)],
                                   rtol=1e-12, atol=0, equal_nan=True, err_msg=checkpoint)
    assert evaluated[k - 1]["detections/count"] == 8  # every val image
    assert evaluated[k - 1]["detections/mean_score"] != evaluated[2 * k]["detections/mean_score"]
