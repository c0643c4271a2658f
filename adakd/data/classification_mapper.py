"""Maps a classification dataset dict to the model's input: ``{"image": (C, H, W) tensor, "label"}``."""
import numpy as np
import torch
from detectron2.data import detection_utils as utils
from detectron2.data import transforms as T


class ClassificationDatasetMapper:
    def __init__(self, is_train: bool, augmentations, image_format: str = "RGB"):
        """
        Args:
            is_train: kept for symmetry with detectron2's DatasetMapper (augmentations decide what happens).
            augmentations: detectron2 Augmentations (e.g. ``RandomFlip``, ``ResizeShortestEdge``).
            image_format: channel order given to the model; in-memory images (CIFAR) are RGB.
        """
        self.is_train = is_train
        self.augmentations = T.AugmentationList(list(augmentations))
        self.image_format = image_format

    def _image(self, dataset_dict):
        if "image" in dataset_dict:  # decoded arrays held in memory (CIFAR pickles), RGB
            image = np.asarray(dataset_dict["image"])
            return image[:, :, ::-1] if self.image_format == "BGR" else image
        return utils.read_image(dataset_dict["file_name"], format=self.image_format)

    def __call__(self, dataset_dict):
        aug_input = T.AugInput(self._image(dataset_dict))
        self.augmentations(aug_input)
        image = aug_input.image
        return {
            "image": torch.as_tensor(np.ascontiguousarray(image.transpose(2, 0, 1))),
            "label": int(dataset_dict["label"]),
            "image_id": dataset_dict.get("image_id"),
            "height": image.shape[0],
            "width": image.shape[1],
        }
