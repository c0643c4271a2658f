"""The stem of ResNets for small images (CIFAR's 32×32, Tiny-ImageNet's 64×64).

detectron2's ``BasicStem`` (7×7 stride-2 conv + max-pool) reduces a 32×32 image to 8×8 before res2; the
CIFAR ResNets of He et al. 2016 (Sec. 4.2) and the paper's classification runs keep full resolution with a
single 3×3 stride-1 convolution, so res2..res5 see 32, 16, 8 and 4 pixels.
"""
import fvcore.nn.weight_init as weight_init
import torch.nn.functional as F
from detectron2.layers import CNNBlockBase, Conv2d, get_norm


class CIFARStem(CNNBlockBase):
    def __init__(self, in_channels=3, out_channels=64, norm="BN"):
        super().__init__(in_channels, out_channels, stride=1)
        self.conv1 = Conv2d(in_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=False,
                            norm=get_norm(norm, out_channels))
        weight_init.c2_msra_fill(self.conv1)

    def forward(self, x):
        return F.relu_(self.conv1(x))
