"""The one recipe of every shapes detection and segmentation run: student, every distillation row and teacher
share it (only the model and the distillation differ). Tuned on the student trained alone; the measurements
behind each choice are in docs/embedded_benchmarks.md.

AdamW (lr 1e-3, weight decay 0.05, none on norms), 100 warm-up iterations, cosine decay to 1 % over 1400
iterations of batch 8 (about 4 minutes for the shapes GFL R18 student on 2 CPU cores). In the pretrained regime
(shapes v3) the paper's optimiser was tried first on the student alone and kept trailing: SGD with momentum 0.9
and mmdetection's step shape reached 31.8 / 34.9 / 34.9 AP at lr 0.01 / 0.02 / 0.04 against AdamW's 39.9; for segmentation SGD
0.01 with poly decay 35.5 mIoU against 45.4 (one seed each; docs/embedded_benchmarks.md). 1400 iterations are a
short schedule, where AdamW's per-parameter steps adapt faster. The pretraining of the backbones
(shapes_pretrain_*.py) and shapes_cls use it at lr 3e-3.

``LEARNED_WEIGHT_LR`` is the base learning rate of what an aggregator learns (adaptive's z = -log v, ...),
a hyper-parameter of those methods, not of the recipe: AdamW moves each parameter by about its learning rate
per step, so at the recipe's 1e-3 z could move by about ±1 over a whole run (v within e^±1), far from the
v = 1/L_i that Eq. 6 drives it to (the paper's SGD moves z by ~lr·α per step). Measured on shapes_cls
(docs/embedded_benchmarks.md): adaptive AT + ST at the recipe's lr 11.24 % top-1 err (v_AT 5.8), with 0.05
5.14 % (v_AT 338); the student alone 16.48 %.
"""
from fvcore.common.param_scheduler import CosineParamScheduler

from detectron2 import model_zoo
from detectron2.config import LazyCall as L
from detectron2.solver import WarmupParamScheduler

LEARNED_WEIGHT_LR = 0.05

optimizer = model_zoo.get_config("common/optim.py").AdamW
optimizer.lr = 1e-3
optimizer.weight_decay = 0.05

train = model_zoo.get_config("common/train.py").train
train.max_iter = 1400
train.output_dir = "./output/shapes"
train.checkpointer.period = 1400
train.checkpointer.max_to_keep = 2
train.eval_period = 0  # evaluate once, at the end
train.log_period = 20
train.device = "cuda"  # tools/lazyconfig_train_net.py falls back to the CPU when no GPU is present
train.seed = 0
train.grad_clip = dict(enabled=True, max_norm=10.0)

lr_multiplier = L(WarmupParamScheduler)(
    # The scheduler is scale-invariant: the same shape whatever train.max_iter is.
    scheduler=L(CosineParamScheduler)(start_value=1.0, end_value=0.01),
    warmup_length=100 / 1400,
    warmup_factor=0.001,
)
