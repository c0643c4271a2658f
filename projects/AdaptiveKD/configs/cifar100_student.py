"""Tables 2 and 3 (CIFAR-100), "Student": ResNet-18 with the CIFAR stem trained alone; 200 epochs at batch
128, SGD lr 0.1 multiplied by 0.2 at epochs 60, 120 and 160 (§4)."""
from .common.classification_data import dataloader
from .common.classification_schedule import epoch_schedule, optimizer, train
from .common.classifier_r18 import model

model.head.num_classes = 100
# The official schedule (mmcls configs/_base_/schedules/cifar10_bs128.py, used by the seed paper's code):
# weight decay 1e-4 on every parameter, norm layers included.
optimizer.weight_decay = 1e-4
optimizer.params.weight_decay_norm = None
train.max_iter, lr_multiplier = epoch_schedule(50000, 128, epochs=200, milestones=[60, 120, 160], gamma=0.2)
train.output_dir = "./output/cifar100_student"
