"""An untrained teacher standing in for a trained one (tests that use it check plumbing, not accuracy)."""
import os

import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.data import DatasetCatalog, DatasetMapper

CONFIGS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "projects/AdaptiveKD/configs")


def stand_in_teacher(config, dataset, path, num_images=8):
    """Saves the untrained model of ``config`` (a config file name, or a model config) to ``path`` with its BN
    statistics measured on ``dataset``, as training would: with the initial mean 0 / var 1 a random 101-layer
    net's eval-mode features reach ~1e6."""
    torch.manual_seed(1)
    model_cfg = LazyConfig.load(os.path.join(CONFIGS, config)).model if isinstance(config, str) else config
    teacher = instantiate(model_cfg)
    for module in teacher.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.momentum = None  # cumulative average
    mapper = DatasetMapper(is_train=False, augmentations=[], image_format="BGR")
    images = torch.stack([(mapper(d)["image"] - teacher.pixel_mean) / teacher.pixel_std
                          for d in DatasetCatalog.get(dataset)[:num_images]])
    with torch.no_grad():
        teacher.backbone(images)
    torch.save({"model": teacher.state_dict()}, path)
    return str(path)
