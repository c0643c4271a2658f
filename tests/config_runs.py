"""Running the full-size configs (COCO, Cityscapes, ADE20K) as a user would, on tiny trees: only image size,
batch, iterations, workers and device are changed; relative paths (pretrained/, output/) resolve in a
workspace directory, and runs happen in the order the README gives (teachers before distillation)."""
import contextlib
import copy
import functools
import json
import os
import shutil
from unittest import mock

import torch
import torchvision
from detectron2.config import LazyConfig, instantiate
from detectron2.utils.events import EventStorage

from adakd.checkpoint import convert_torchvision_resnet, save_detectron2_pkl
from adakd.engine import lazy_train
from adakd.engine.lazy_train import do_train

CONFIG_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "projects", "AdaptiveKD", "configs")


@functools.lru_cache(maxsize=None)
def _read_config(name):
    return LazyConfig.load(os.path.join(CONFIG_DIR, f"{name}.py"))


def load_config(name):
    """``LazyConfig.load`` of the config ``name``, read once per process: each call returns a deep copy of it,
    which the caller may change (a load execs the config and its bases, ~65 ms; a copy ~5 ms; the config tests
    load each of ~200 configs two to three times, in both xdist workers)."""
    return copy.deepcopy(_read_config(name))


def load_small(name, short_edge=64, max_size=128):
    """The config ``name`` with images resized to ``short_edge`` (crops of short_edge²), batch 2, 2 iterations."""
    cfg = load_config(name)
    for split, train in (("train", True), ("test", False)):
        for aug in cfg.dataloader[split].mapper.augmentations:
            if "short_edge_length" in aug:
                aug.short_edge_length, aug.max_size = ((short_edge,) if train else short_edge), max_size
            if "crop_size" in aug:
                aug.crop_size = (short_edge, short_edge)
    cfg.dataloader.train.total_batch_size = 2
    cfg.dataloader.train.num_workers = 0
    cfg.dataloader.test.num_workers = 0
    cfg.train.max_iter = 2
    cfg.train.device = "cpu"
    return cfg


def write_imagenet_stand_ins(root):
    """pretrained/R-{18,101}.pkl as tools/convert_torchvision_resnet.py writes them, from torchvision's
    architectures at their own initialisation with zero-initialised residual branches (so that an untrained
    R101 gives finite features)."""
    for depth in (18, 101):
        resnet = getattr(torchvision.models, f"resnet{depth}")(zero_init_residual=True)
        save_detectron2_pkl(convert_torchvision_resnet(resnet.state_dict()), os.path.join(root, "pretrained", f"R-{depth}.pkl"))


def aggregator_of(cfg):
    """What weighs the paths of ``cfg``'s model: its aggregator's method (``layerwise`` when a path is split by
    stage), or ``plain`` for a model without distillation."""
    if "aggregator" not in cfg.model:
        return "plain"
    method = cfg.model.aggregator.get("method") or cfg.model.aggregator.get("_target_")
    return f"{method}_layerwise" if any(p.get("layerwise") for p in cfg.model.paths) else str(method)


def evaluated_runs(names, dataset_of):
    """Every teacher and student among ``names``, and one distillation config per (dataset, aggregator, as
    ``aggregator_of`` reads it from the config): the one named ``<dataset>_<aggregator>`` where there is one, else
    the first. Those train two iterations and evaluate; every other config trains one step without evaluation
    (``one_step_without_evaluation``): its dataset, model and aggregator are each covered by a full run already, so
    the cheap run checks only what it adds, its paths."""
    chosen = {}
    for name in names:
        key = (dataset_of(name),
               name.rsplit("_", 1)[1] if name.endswith(("_teacher", "_student")) else aggregator_of(_read_config(name)))
        if key not in chosen or name == f"{key[0]}_{key[1]}":
            chosen[key] = name
    return set(chosen.values())


@contextlib.contextmanager
def no_checkpoint_saves():
    """Training in the block saves no checkpoint: for one-step runs, whose checkpoint nothing reads (saving one cost
    ~0.4 s a run). Checkpointing is tested where it is read (test_resume.py, each aggregator's evaluated row)."""
    with mock.patch.object(lazy_train.PeriodicCheckpointer, "step", lambda self, iteration, **kwargs: None):
        yield


def one_step_without_evaluation(cfg):
    """``cfg`` shortened to one training iteration, with its evaluator removed (detectron2's final EvalHook
    then evaluates nothing: do_test returns {} without an evaluator)."""
    cfg.train.max_iter = 1
    del cfg.dataloader["evaluator"]
    return cfg


class Workspace:
    """Trains each config once, after the runs it needs (``prerequisites``: name → names); the names in
    ``evaluated`` (default: all) train two iterations and evaluate, the others train one step without evaluation.

    Output folders of runs that no other run reads are deleted when the next run starts (the caller has read
    them by then): kept, the detection workspace alone grew to 4 GB of checkpoints."""

    def __init__(self, root, prerequisites, evaluated=None):
        self.root = root
        self.prerequisites = prerequisites
        self.evaluated = set(prerequisites) if evaluated is None else set(evaluated)
        self.read_again = {r for names in prerequisites.values() for r in names}
        self.runs = {}
        self.output_dirs = {}

    def run(self, name):
        """Returns (cfg, trained model, metrics record of the last training iteration). The model is handed out
        once (its test's call) and not kept: 22 trained detectors, teachers among them, held GBs."""
        cfg, model, record = self._train(name)
        self.runs[name] = (cfg, None, record)
        assert model is not None, f"{name}'s model was handed out already"
        return cfg, model, record

    def _train(self, name):
        if name not in self.runs:
            for required in self.prerequisites[name]:
                self._train(required)
            for other, output_dir in list(self.output_dirs.items()):
                if other not in self.read_again:
                    shutil.rmtree(output_dir, ignore_errors=True)
                    del self.output_dirs[other]
            cfg = load_small(name)
            if name not in self.evaluated:
                one_step_without_evaluation(cfg)
            self.output_dirs[name] = os.path.abspath(cfg.train.output_dir)
            # A one-step run that no other run reads saves no checkpoint.
            unread = name not in self.evaluated and name not in self.read_again
            with no_checkpoint_saves() if unread else contextlib.nullcontext():
                model = do_train(cfg)
            # The config must not keep its model alive (detectron2's recipe puts it in optimizer.params): kept,
            # the 22 detection runs of one module held 9 GB.
            assert cfg.optimizer.params.model is None, f"{name}'s config still holds its model"
            with open(os.path.join(cfg.train.output_dir, "metrics.json")) as f:
                records = [json.loads(line) for line in f]
            # Evaluation adds its own records; keep the training record.
            self.runs[name] = (cfg, model, [r for r in records if "total_loss" in r][-1])
        return self.runs[name]


def flat_gradient(loss, params):
    """The gradient of ``loss`` over ``params`` by autograd, as one float64 vector (zeros where it does not
    reach); the graph is kept for the next call."""
    parts = torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
    return torch.cat([(g if g is not None else torch.zeros_like(p)).flatten() for g, p in zip(parts, params)]).double()


def two_path_min_norm(g1, g2):
    """Eq. 4 for two gradients in closed form (Sener & Koltun, NeurIPS 2018): the weight γ of g1,
    clip((‖g2‖² − g1·g2) / ‖g1 − g2‖², 0, 1); g2 gets 1 − γ."""
    return float(((g2 @ g2 - g1 @ g2) / (g1 - g2).pow(2).sum()).clamp(0, 1))


def min_norm_by_autograd(cfg, model):
    """One more training forward of ``model`` (a two-path multiobjective distillation model) on a batch of its
    loader: (the weights its aggregator chose, Eq. 4's weights in closed form from the same step's unweighted
    path losses, their gradients over the student's trainable parameters taken here by autograd)."""
    seen = {}
    hook = model.distiller.aggregator.register_forward_pre_hook(lambda module, args: seen.update(args[0]))
    model.train()
    try:
        with EventStorage(0):
            model(next(iter(instantiate(cfg.dataloader.train))))
    finally:
        hook.remove()
    chosen = model.distiller.path_weights()
    params = [p for p in model.student.parameters() if p.requires_grad]
    gamma = two_path_min_norm(*(flat_gradient(seen[name], params) for name in chosen))
    return chosen, dict(zip(chosen, [gamma, 1 - gamma]))
