"""Train / evaluate a LazyConfig with detectron2's trainer and hooks (used by tools/lazyconfig_train_net.py).

Differences from detectron2's reference script, all opt-in through config fields:
- ``train.device = "cuda"`` falls back to the CPU when no GPU is present;
- ``train.grad_clip = dict(enabled=True, max_norm=...)`` clips the global gradient norm;
- evaluation results are also written to ``<output_dir>/eval_results.json`` (atomically).
"""
import logging
import os

import torch
from detectron2.checkpoint import DetectionCheckpointer
from detectron2.config import instantiate
from detectron2.engine import AMPTrainer, SimpleTrainer, create_ddp_model, hooks
from detectron2.engine.defaults import default_writers
from detectron2.evaluation import inference_on_dataset, print_csv_format
from detectron2.utils import comm

from ..utils.atomic_write import atomic_write_json
from .grad_clip import GradientClipHook

logger = logging.getLogger(__name__)
EVAL_RESULTS_FILE = "eval_results.json"


def resolve_device(cfg):
    """Sets ``cfg.train.device`` to "cpu" when it asks for CUDA on a machine without a GPU."""
    device = str(cfg.train.get("device", "cuda"))
    if device.startswith("cuda") and not torch.cuda.is_available():
        logger.info(f"train.device={device!r} but no GPU is available: using the CPU.")
        cfg.train.device = "cpu"
    return cfg.train.device


def wrap_ddp(cfg, model, **kwargs):
    """DistributedDataParallel when several processes run; CPU modules must not get ``device_ids``."""
    if str(cfg.train.device).startswith("cpu"):
        kwargs["device_ids"] = None
    return create_ddp_model(model, **kwargs)


def do_test(cfg, model):
    """Evaluates ``model`` on ``cfg.dataloader.test``; returns (and saves) the evaluator's results."""
    if "evaluator" not in cfg.dataloader:
        return {}
    results = inference_on_dataset(model, instantiate(cfg.dataloader.test), instantiate(cfg.dataloader.evaluator))
    if comm.is_main_process():
        print_csv_format(results)
        if cfg.train.output_dir:
            atomic_write_json(os.path.join(cfg.train.output_dir, EVAL_RESULTS_FILE), results)
    return results


def build_trainer_hooks(cfg, model, trainer, checkpointer):
    grad_clip = cfg.train.get("grad_clip", None)
    clip_hooks = [GradientClipHook(grad_clip.max_norm)] if grad_clip and grad_clip.get("enabled", False) else []
    return clip_hooks + [
        hooks.IterationTimer(),
        hooks.LRScheduler(scheduler=instantiate(cfg.lr_multiplier)),
        hooks.PeriodicCheckpointer(checkpointer, **cfg.train.checkpointer) if comm.is_main_process() else None,
        hooks.EvalHook(cfg.train.eval_period, lambda: do_test(cfg, model)),
        hooks.PeriodicWriter(default_writers(cfg.train.output_dir, cfg.train.max_iter), period=cfg.train.log_period)
        if comm.is_main_process()
        else None,
    ]


def do_train(cfg, resume=False):
    """Trains ``cfg.model`` from ``cfg.train.init_checkpoint`` (or the last checkpoint when resuming)."""
    model = instantiate(cfg.model)
    logger.info(f"Model:\n{model}")
    model.to(cfg.train.device)

    cfg.optimizer.params.model = model
    optimizer = instantiate(cfg.optimizer)
    train_loader = instantiate(cfg.dataloader.train)

    model = wrap_ddp(cfg, model, **cfg.train.ddp)
    trainer = (AMPTrainer if cfg.train.amp.enabled else SimpleTrainer)(model, train_loader, optimizer)
    checkpointer = DetectionCheckpointer(model, cfg.train.output_dir, trainer=trainer)
    trainer.register_hooks(build_trainer_hooks(cfg, model, trainer, checkpointer))

    checkpointer.resume_or_load(cfg.train.init_checkpoint, resume=resume)
    start_iter = trainer.iter + 1 if resume and checkpointer.has_checkpoint() else 0
    trainer.train(start_iter, cfg.train.max_iter)
    return model


def do_eval_only(cfg):
    model = instantiate(cfg.model)
    model.to(cfg.train.device)
    model = wrap_ddp(cfg, model)
    DetectionCheckpointer(model).load(cfg.train.init_checkpoint)
    return do_test(cfg, model)
