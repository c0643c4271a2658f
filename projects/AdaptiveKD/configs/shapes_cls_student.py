"""Tables 2 and 3 on the embedded classification benchmark (shapes_cls: six shapes in 32×32 images, 10,000
training images), "Student": an eighth-width ResNet-18 (stem 8 channels) with the CIFAR stem, trained alone
at CPU scale: 8 epochs at batch 64 (1250 iterations), SGD lr 0.05 (the paper's 0.1 at batch 128, scaled
linearly to batch 64) multiplied by 0.1 at epochs 4 and 6."""
from .common.classification_data import dataloader
from .common.classification_schedule import epoch_schedule, optimizer, train
from .common.classifier_r18 import model

dataloader.train.dataset.names = "shapes_cls_train"
dataloader.train.total_batch_size = 64
dataloader.train.num_workers = 1
dataloader.test.dataset.names = "shapes_cls_val"
dataloader.test.num_workers = 1
model.backbone.stem.out_channels = 8
model.backbone.stages.width = 8
model.head.in_channels = 64
model.head.num_classes = 6
model.pixel_mean = [127.5, 127.5, 127.5]
model.pixel_std = [64.0, 64.0, 64.0]
optimizer.lr = 0.05
train.max_iter, lr_multiplier = epoch_schedule(10000, 64, epochs=8, milestones=[4, 6], gamma=0.1)
train.checkpointer.period = 1000
train.output_dir = "./output/shapes_cls_student"
