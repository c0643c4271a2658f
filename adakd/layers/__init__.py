from .gfl_losses import distribution_focal_loss, integral_distances, quality_focal_loss
