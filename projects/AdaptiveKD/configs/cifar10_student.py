"""Table 2 (CIFAR-10), "Student": ResNet-18 with the CIFAR stem trained alone; 200 epochs at batch 128, SGD
lr 0.1 multiplied by 0.1 at epochs 100 and 150 (§4)."""
from .common.classification_data import dataloader
from .common.classification_schedule import epoch_schedule, optimizer, train
from .common.classifier_r18 import model

dataloader.train.dataset.names = "cifar10_train"
dataloader.test.dataset.names = "cifar10_test"
model.head.num_classes = 10
model.pixel_mean = [125.3, 123.0, 113.9]  # CIFAR-10 training-set statistics, RGB
model.pixel_std = [63.0, 62.1, 66.7]
# The official schedule (mmcls configs/_base_/schedules/cifar10_bs128.py, used by the seed paper's code):
# weight decay 1e-4 on every parameter, norm layers included.
optimizer.weight_decay = 1e-4
optimizer.params.weight_decay_norm = None
train.max_iter, lr_multiplier = epoch_schedule(50000, 128, epochs=200, milestones=[100, 150], gamma=0.1)
train.output_dir = "./output/cifar10_student"
