"""Train / evaluate a LazyConfig with detectron2's trainer and hooks (used by tools/lazyconfig_train_net.py).

Differences from detectron2's reference script, all opt-in through config fields:
- ``train.device = "cuda"`` falls back to the CPU when no GPU is present;
- ``train.grad_clip = dict(enabled=True, max_norm=...)`` clips the global gradient norm;
- ``train.amp.enabled = True`` also works on the CPU (bfloat16 autocast, ``amp_trainer.CPUAMPTrainer``);
- evaluation results are also written to ``<output_dir>/eval_results.json`` (atomically, strict JSON: a
  non-finite metric, e.g. the NaN AP of a class without ground truth, is written as ``null``).

And, for every config:
- exact resume: ``build_detection_train_loader`` is built as ``adakd.data.build_resumable_train_loader`` (same
  arguments), and checkpoints also hold every process's random streams and data position
  (``StreamStateHook``), so a run resumed with ``--resume`` continues as the uninterrupted run would have;
  evaluation during training runs on forked random streams, so it does not change the training either;
- checkpoints and ``last_checkpoint`` are written atomically; a distillation run also writes
  ``<checkpoint>_student.pth`` (the student alone) next to each checkpoint (``AtomicCheckpointer``);
- ``--eval-only`` refuses weights that leave model parameters missing, naming them, unless
  ``allow_missing=True``.
"""
import contextlib
import logging
import os
import random

import numpy as np
import torch
from detectron2.config import instantiate
from detectron2.data import build_detection_train_loader
from detectron2.engine import SimpleTrainer, create_ddp_model, hooks
from detectron2.engine.defaults import default_writers
from detectron2.evaluation import inference_on_dataset, print_csv_format
from detectron2.utils import comm

from ..checkpoint.atomic_checkpointer import AtomicCheckpointer
from ..data.resumable_train_loader import build_resumable_train_loader
from ..utils.atomic_write import atomic_write_json
from .amp_trainer import amp_trainer_class
from .grad_clip import GradientClipHook
from .stream_state import StreamStateHook

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


@contextlib.contextmanager
def forked_rng():
    """Runs the block on copies of the python, numpy and torch (CPU and CUDA) random streams."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    try:
        with torch.random.fork_rng(devices=range(torch.cuda.device_count()) if torch.cuda.is_available() else []):
            yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)


def resumable_train_loader(loader_cfg):
    """``instantiate(loader_cfg)``, with detectron2's ``build_detection_train_loader`` built resumably."""
    target = loader_cfg.get("_target_")
    if target in (build_detection_train_loader, "detectron2.data.build_detection_train_loader",
                  "detectron2.data.build.build_detection_train_loader"):
        loader_cfg = loader_cfg.copy()
        loader_cfg._target_ = build_resumable_train_loader
    return instantiate(loader_cfg)


class PeriodicCheckpointer(hooks.PeriodicCheckpointer):
    """detectron2's hook; student files follow their checkpoints when ``max_to_keep`` rotates them out."""

    def step(self, iteration, **kwargs):
        super().step(iteration, **kwargs)
        if self.max_to_keep is not None and hasattr(self.checkpointer, "remove_orphaned_students"):
            self.checkpointer.remove_orphaned_students()


def do_test(cfg, model):
    """Evaluates ``model`` on ``cfg.dataloader.test``; returns (and saves) the evaluator's results. Without an
    evaluator (``dataloader.evaluator=null`` on the command line) it evaluates nothing and returns {}."""
    if cfg.dataloader.get("evaluator") is None:
        return {}
    results = inference_on_dataset(model, instantiate(cfg.dataloader.test), instantiate(cfg.dataloader.evaluator))
    if comm.is_main_process():
        print_csv_format(results)
        if cfg.train.output_dir:
            atomic_write_json(os.path.join(cfg.train.output_dir, EVAL_RESULTS_FILE), results)
    return results


def _test_on_forked_rng(cfg, model):
    with forked_rng():
        return do_test(cfg, model)


def build_trainer_hooks(cfg, model, trainer, checkpointer):
    grad_clip = cfg.train.get("grad_clip", None)
    clip_hooks = [GradientClipHook(grad_clip.max_norm)] if grad_clip and grad_clip.get("enabled", False) else []
    return clip_hooks + [
        hooks.IterationTimer(),
        hooks.LRScheduler(scheduler=instantiate(cfg.lr_multiplier)),
        # Before the checkpointer: it gathers every process's state at the iterations that are saved.
        StreamStateHook(trainer.data_loader, cfg.train.checkpointer.period, cfg.train.max_iter),
        PeriodicCheckpointer(checkpointer, **cfg.train.checkpointer) if comm.is_main_process() else None,
        hooks.EvalHook(cfg.train.eval_period, lambda: _test_on_forked_rng(cfg, model)),
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
    # Not left in the config: a caller keeping cfg (several runs in one process) would keep every model alive.
    cfg.optimizer.params.model = None
    train_loader = resumable_train_loader(cfg.dataloader.train)

    model = wrap_ddp(cfg, model, **cfg.train.ddp)
    trainer = (amp_trainer_class(cfg.train.device) if cfg.train.amp.enabled else SimpleTrainer)(
        model, train_loader, optimizer)
    checkpointer = AtomicCheckpointer(model, cfg.train.output_dir, trainer=trainer)
    trainer.register_hooks(build_trainer_hooks(cfg, model, trainer, checkpointer))

    if resume:
        for leftover in checkpointer.remove_incomplete_saves():
            logger.warning(f"Removed {leftover}, the unfinished save of an interrupted run")
    checkpointer.resume_or_load(cfg.train.init_checkpoint, resume=resume)
    start_iter = trainer.iter + 1 if resume and checkpointer.has_checkpoint() else 0
    trainer.train(start_iter, cfg.train.max_iter)
    return model


class MissingWeightsError(KeyError):
    def __str__(self):
        return str(self.args[0])


def check_no_missing_weights(incompatible, model_name, checkpoint, shown=10):
    """Raises MissingWeightsError naming how many and which model parameters ``checkpoint`` did not provide."""
    missing = sorted(incompatible.missing_keys) if incompatible is not None else []
    if not missing:
        return
    listed = ", ".join(missing[:shown]) + (f", ... ({len(missing) - shown} more)" if len(missing) > shown else "")
    hint = ""
    students = {k[len("student."):] for k in incompatible.unexpected_keys if k.startswith("student.")}
    if set(missing) <= students:
        hint = (f" The checkpoint holds a distillation run (its weights start with 'student.'): evaluate "
                f"{os.path.splitext(checkpoint)[0]}_student.pth, the student alone, with the student config.")
    shapes = f" ({len(incompatible.incorrect_shapes)} of them with a wrong shape)" if incompatible.incorrect_shapes else ""
    raise MissingWeightsError(
        f"{checkpoint} leaves {len(missing)} parameters of {model_name} missing{shapes}: {listed}.{hint} "
        "Pass --allow-missing-weights to evaluate with them at their initial values."
    )


def load_inference_weights(model, checkpoint, allow_missing=False):
    """Loads ``checkpoint`` into ``model`` to evaluate or run it; unless ``allow_missing``, weights that leave
    model parameters missing (at their random initialisation) raise MissingWeightsError naming them."""
    checkpointer = AtomicCheckpointer(model)
    checkpointer.load(checkpoint)
    if not allow_missing:
        check_no_missing_weights(checkpointer.incompatible_keys, type(checkpointer._bare_model()).__name__,
                                 checkpoint)


def do_eval_only(cfg, allow_missing=False):
    model = instantiate(cfg.model)
    model.to(cfg.train.device)
    model = wrap_ddp(cfg, model)
    load_inference_weights(model, cfg.train.init_checkpoint, allow_missing)
    return do_test(cfg, model)
