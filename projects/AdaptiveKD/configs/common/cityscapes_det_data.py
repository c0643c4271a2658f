"""Cityscapes detection: the 8 instance classes of gtFine (person, rider, car, truck, bus, train, motorcycle,
bicycle) through detectron2's builtin ``cityscapes_fine_instance_seg_{train,val}``, which reads the
``*_gtFine_polygons.json`` files with cityscapesscripts' label table. Layout under $DETECTRON2_DATASETS:

    cityscapes/leftImg8bit/{train,val}/<city>/<city>_<seq>_<frame>_leftImg8bit.png
    cityscapes/gtFine/{train,val}/<city>/<city>_<seq>_<frame>_gtFine_{polygons.json,instanceIds.png,labelIds.png}

Scales follow detectron2's Cityscapes baseline (short edge 800-1024, long edge at most 2048); batch 8 as
the paper. Boxes are evaluated by COCOEvaluator, which converts the dataset to COCO json once.
"""
from .coco_data import dataloader

dataloader.train.dataset.names = "cityscapes_fine_instance_seg_train"
dataloader.train.mapper.augmentations[0].short_edge_length = tuple(range(800, 1025, 32))
dataloader.train.mapper.augmentations[0].max_size = 2048
dataloader.test.dataset.names = "cityscapes_fine_instance_seg_val"
dataloader.test.mapper.augmentations[0].short_edge_length = 1024
dataloader.test.mapper.augmentations[0].max_size = 2048
# Cityscapes has no COCO json: COCOEvaluator writes one into its output_dir on first use.
dataloader.evaluator.output_dir = "${...train.output_dir}"
