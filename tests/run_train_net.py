"""tools/lazyconfig_train_net.py as a user runs it (same arguments, same processes), for tests: the tests' tiny
shapes set is registered as ``tiny_shapes_*`` (generated under ``$ADAKD_TEST_SHAPES``), also in the processes
that ``--num-gpus`` spawns. With ``$ADAKD_TEST_KILL_IN_SAVE=N`` the process SIGKILLs itself after writing half of
its N-th training checkpoint (``model_*.pth``; student files are not counted): a crash in the middle of a save.
With ``$ADAKD_TEST_DUMP_PROCESSES=DIR`` every process saves its trained model's weights and path weights to
``DIR/process<rank>.pth`` after training (only the main process writes checkpoints), and the weights it starts
training from to ``DIR/process<rank>_start.pth``.

    python tests/run_train_net.py --config-file ... [tool arguments]
"""
import io
import os
import signal
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tools")]

from adakd.data import register_shapes  # noqa: E402
from tests.conftest import TINY_SPEC  # noqa: E402

register_shapes(os.environ["ADAKD_TEST_SHAPES"], TINY_SPEC, prefix="tiny_shapes")

import lazyconfig_train_net  # noqa: E402  (after the registration: the tool checks dataset names)


def dump_every_process(folder):
    """Wraps the tool's do_train (in this process and in those --num-gpus spawns, which run this file too)."""
    import torch
    from detectron2.utils import comm

    do_train = lazyconfig_train_net.do_train

    def train_and_dump(cfg, resume=False):
        model = do_train(cfg, resume=resume)
        model = getattr(model, "module", model)
        state = {"model": model.state_dict()}
        if hasattr(model, "distiller"):
            state["path_weights"] = model.distiller.aggregator.weights().detach().cpu()
        torch.save(state, os.path.join(folder, f"process{comm.get_rank()}.pth"))
        return model

    lazyconfig_train_net.do_train = train_and_dump

    # The weights training starts from (after init_checkpoint or resume loaded), as each process holds them.
    from detectron2.engine import TrainerBase

    train = TrainerBase.train

    def dump_start_then_train(self, start_iter, max_iter):
        model = getattr(self.model, "module", self.model)
        torch.save({"model": {k: v.detach().clone() for k, v in model.state_dict().items()}},
                   os.path.join(folder, f"process{comm.get_rank()}_start.pth"))
        return train(self, start_iter, max_iter)

    TrainerBase.train = dump_start_then_train


if os.environ.get("ADAKD_TEST_DUMP_PROCESSES"):
    dump_every_process(os.environ["ADAKD_TEST_DUMP_PROCESSES"])


def kill_in_save(n):
    """Makes the n-th ``torch.save`` into a checkpoint file write half its bytes, then SIGKILL the process."""
    import torch

    save, count = torch.save, [0]

    def half_then_kill(obj, f, *args, **kwargs):
        if isinstance(obj, dict) and "trainer" in obj:  # a training checkpoint, not a student file
            count[0] += 1
            if count[0] == n:
                buffer = io.BytesIO()
                save(obj, buffer, *args, **kwargs)
                f.write(buffer.getvalue()[: len(buffer.getvalue()) // 2])
                f.flush()
                os.kill(os.getpid(), signal.SIGKILL)
        return save(obj, f, *args, **kwargs)

    torch.save = half_then_kill


if __name__ == "__main__":
    if os.environ.get("ADAKD_TEST_KILL_IN_SAVE"):
        kill_in_save(int(os.environ["ADAKD_TEST_KILL_IN_SAVE"]))
    lazyconfig_train_net.cli()
