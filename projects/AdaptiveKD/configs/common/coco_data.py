"""COCO 2017 detection data (detectron2's builtin ``coco_2017_{train,val}`` under $DETECTRON2_DATASETS/coco),
single-scale 800/1333 as GFL and LD, batch 8 as the paper, RGB for torchvision-pretrained backbones."""
from detectron2 import model_zoo

dataloader = model_zoo.get_config("common/data/coco.py").dataloader
dataloader.train.mapper.augmentations[0].short_edge_length = (800,)
dataloader.train.mapper.image_format = "RGB"
dataloader.train.mapper.use_instance_mask = False
dataloader.train.total_batch_size = 8
dataloader.evaluator.tasks = ("bbox",)
