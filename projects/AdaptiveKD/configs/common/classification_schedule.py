"""The paper's classification schedule (§4): SGD, lr 0.1, step decays at given epochs, counted in iterations
of detectron2's trainer. ``epoch_schedule`` turns epochs into ``train.max_iter`` and an lr multiplier."""
from fvcore.common.param_scheduler import MultiStepParamScheduler

from detectron2 import model_zoo
from detectron2.config import LazyCall as L

optimizer = model_zoo.get_config("common/optim.py").SGD
optimizer.lr = 0.1
optimizer.momentum = 0.9
optimizer.weight_decay = 5e-4

train = model_zoo.get_config("common/train.py").train
train.checkpointer.period = 5000
train.checkpointer.max_to_keep = 2
train.eval_period = 0  # evaluate once, at the end
train.log_period = 20
train.device = "cuda"  # falls back to the CPU when no GPU is present
train.seed = 0
train.init_checkpoint = ""  # trained from scratch


def epoch_schedule(num_images, batch_size, epochs, milestones, gamma):
    """(max_iter, lr_multiplier) for ``epochs`` over ``num_images`` at ``batch_size``, the lr multiplied by
    ``gamma`` at each epoch of ``milestones``."""
    iters_per_epoch = num_images / batch_size
    max_iter = round(epochs * iters_per_epoch)
    lr_multiplier = L(MultiStepParamScheduler)(
        values=[gamma**i for i in range(len(milestones) + 1)],
        milestones=[round(m * iters_per_epoch) for m in milestones],
        num_updates=max_iter,
    )
    return max_iter, lr_multiplier
