from .torchvision_resnet import convert_torchvision_resnet, save_detectron2_pkl

__all__ = ["convert_torchvision_resnet", "save_detectron2_pkl"]
