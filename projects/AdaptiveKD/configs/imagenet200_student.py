"""Tables 2 and 3 (ImageNet-200 = Tiny-ImageNet, 64×64 images), "Student": ResNet-18 with the CIFAR stem
(full resolution into res2, so res5 is 8×8), random flips; 100 epochs at batch 256, SGD lr 0.1 multiplied
by 0.1 at epochs 30, 60 and 90 (§4)."""
from .common.classification_data import dataloader
from .common.classification_schedule import epoch_schedule, optimizer, train
from .common.classifier_r18 import model

dataloader.train.dataset.names = "imagenet200_train"
dataloader.train.total_batch_size = 256
dataloader.test.dataset.names = "imagenet200_val"
model.head.num_classes = 200
model.pixel_mean = [123.675, 116.280, 103.530]  # ImageNet statistics, RGB
model.pixel_std = [58.395, 57.120, 57.375]
optimizer.weight_decay = 1e-4
train.max_iter, lr_multiplier = epoch_schedule(100000, 256, epochs=100, milestones=[30, 60, 90], gamma=0.1)
train.output_dir = "./output/imagenet200_student"
