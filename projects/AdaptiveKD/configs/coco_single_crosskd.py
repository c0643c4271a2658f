"""Issue-27 detection row (COCO), "Single" CrossKD: the student's head features through the
teacher's last head conv and predictors, mimicking the teacher's predictions (its terms at the authors' weights).
"""
from .coco_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import CROSSKD_WEIGHT, crosskd

model.paths = [crosskd]
model.aggregator = dict(method="hand_tuned", init_weights={"crosskd": CROSSKD_WEIGHT})
train.output_dir = "./output/coco_single_crosskd"
