"""Tables 2 and 3 on the embedded classification benchmark (shapes_cls: six shapes in 32×32 images, 10,000
training images), "Student": a quarter-width ResNet-18 (stem 16 channels) with the CIFAR stem, trained alone
at CPU scale: 8 epochs at batch 64 (1250 iterations), SGD lr 0.02 multiplied by 0.1 at epochs 4 and 6.
(The paper's 0.1 keeps these from-scratch nets at chance level for hundreds of iterations here; the
ResNet-50 teacher still needs ~300 at 0.02.)"""
from .common.classification_data import dataloader
from .common.classification_schedule import epoch_schedule, optimizer, train
from .common.classifier_r18 import model

dataloader.train.dataset.names = "shapes_cls_train"
dataloader.train.total_batch_size = 64
dataloader.train.num_workers = 1
dataloader.test.dataset.names = "shapes_cls_val"
dataloader.test.num_workers = 1
model.backbone.stem.out_channels = 16
model.backbone.stages.width = 16
model.head.in_channels = 128
model.head.num_classes = 6
model.pixel_mean = [127.5, 127.5, 127.5]
model.pixel_std = [64.0, 64.0, 64.0]
optimizer.lr = 0.02
train.max_iter, lr_multiplier = epoch_schedule(10000, 64, epochs=8, milestones=[4, 6], gamma=0.1)
train.checkpointer.period = 1000
train.output_dir = "./output/shapes_cls_student"
