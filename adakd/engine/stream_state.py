"""What a resumed run needs besides the model, optimizer, scheduler and iteration (which detectron2's trainer
already checkpoints): each process's random streams (python, numpy, torch, CUDA) and training-data position.

``StreamStateHook`` is a stateless-looking trainer hook whose ``state_dict`` detectron2's trainer stores in
every checkpoint (under ``trainer.hooks``) and whose ``load_state_dict`` it calls on ``--resume``. Only the
main process writes checkpoints, so with several processes every process's state is gathered first, at the
iterations where the checkpointer saves (the hook must be registered before the checkpointer).
Everything is stored as tensors, lists and numbers: checkpoints stay loadable with ``weights_only=True``.
"""
import logging
import random

import numpy as np
import torch
from detectron2.engine import HookBase
from detectron2.utils import comm

logger = logging.getLogger(__name__)


class ProcessCountError(ValueError):
    """A checkpoint's random and data streams were saved by a different number of processes than resume it."""


def get_rng_state():
    version, state, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return {
        "python": [version, list(state), gauss],
        "numpy": [name, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached)],
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def set_rng_state(state):
    version, values, gauss = state["python"]
    random.setstate((version, tuple(values), gauss))
    name, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    if state["cuda"]:
        if not torch.cuda.is_available():
            logger.warning("The checkpoint holds CUDA random states but no GPU is available: they are not restored")
        elif len(state["cuda"]) != torch.cuda.device_count():
            logger.warning(f"The checkpoint holds {len(state['cuda'])} CUDA random states for "
                           f"{torch.cuda.device_count()} GPUs: they are not restored")
        else:
            torch.cuda.set_rng_state_all(state["cuda"])


class StreamStateHook(HookBase):
    def __init__(self, train_loader, checkpoint_period, max_iter):
        """
        Args:
            train_loader: the trainer's data loader; its state is saved when it has ``state_dict``.
            checkpoint_period, max_iter: when the checkpointer saves (``PeriodicCheckpointer``'s rule), so that
                several processes gather their states at those iterations only.
        """
        self.train_loader = train_loader
        self.checkpoint_period = int(checkpoint_period)
        self.max_iter = int(max_iter)
        self._gathered = None
        self.loaded = False
        if not hasattr(train_loader, "state_dict"):
            logger.warning(f"The training data loader ({type(train_loader).__name__}) has no state_dict: "
                           "a resumed run restarts its data stream (use adakd.data.build_resumable_train_loader)")

    def _local_state(self):
        state = {"rng": get_rng_state()}
        if hasattr(self.train_loader, "state_dict"):
            state["data"] = self.train_loader.state_dict()
        return state

    def after_step(self):
        if comm.get_world_size() == 1:
            return
        it = self.trainer.iter
        if (it + 1) % self.checkpoint_period == 0 or it >= self.max_iter - 1:
            self._gathered = comm.all_gather(self._local_state())

    def state_dict(self):
        if comm.get_world_size() == 1:
            return {"processes": [self._local_state()]}
        if self._gathered is None:
            raise RuntimeError("StreamStateHook: with several processes, a checkpoint can only be saved at the "
                               "iterations of train.checkpointer.period (and the last one)")
        return {"processes": self._gathered}

    def load_state_dict(self, state):
        processes = state["processes"]
        if len(processes) != comm.get_world_size():
            raise ProcessCountError(
                f"The checkpoint was written by a run of {len(processes)} processes; resuming it exactly needs the "
                f"same number, this run has {comm.get_world_size()} (resume with --num-gpus {len(processes)}, or "
                f"start anew without --resume)")
        own = processes[comm.get_rank()]
        set_rng_state(own["rng"])
        if "data" in own and hasattr(self.train_loader, "load_state_dict"):
            self.train_loader.load_state_dict(own["data"])
        self.loaded = True

    def before_train(self):
        if self.trainer.iter > 0 and not self.loaded:
            logger.warning("Resuming from a checkpoint without random-stream and data-stream state: the run "
                           "continues, but not as the uninterrupted run would have")
