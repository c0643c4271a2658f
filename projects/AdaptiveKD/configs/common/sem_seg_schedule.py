"""The paper's segmentation schedule (§4): SGD lr 0.01, polynomial decay (power 0.9), 80k iterations, batch 8."""
from fvcore.common.param_scheduler import PolynomialDecayParamScheduler

from detectron2 import model_zoo
from detectron2.config import LazyCall as L

optimizer = model_zoo.get_config("common/optim.py").SGD
optimizer.lr = 0.01

train = model_zoo.get_config("common/train.py").train
train.max_iter = 80000
train.eval_period = 8000
train.checkpointer.period = 8000
train.init_checkpoint = "pretrained/R-18.pkl"  # tools/convert_torchvision_resnet.py --depth 18

# detectron2's LRScheduler hook maps iterations to [0, 1) for fvcore schedulers.
lr_multiplier = L(PolynomialDecayParamScheduler)(base_value=1.0, power=0.9)
