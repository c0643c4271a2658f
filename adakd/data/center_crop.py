"""The centre crop of ImageNet evaluation (resize the short edge to 256, keep the central 224×224), which
detectron2's augmentations lack (they crop at random)."""
from detectron2.data import transforms as T


class CenterCrop(T.Augmentation):
    def __init__(self, crop_size):
        """crop_size: (height, width)."""
        super().__init__()
        self.crop_size = tuple(crop_size)

    def get_transform(self, image):
        h, w = image.shape[:2]
        crop_h, crop_w = self.crop_size
        if crop_h > h or crop_w > w:
            raise ValueError(f"CenterCrop: crop {self.crop_size} is larger than the image ({h}, {w})")
        return T.CropTransform((w - crop_w) // 2, (h - crop_h) // 2, crop_w, crop_h)
