"""The non-local block (Wang et al., "Non-local Neural Networks", CVPR 2018, Eq. 1-2 with the dot-product
pairwise function), as Zhang & Ma (ICLR 2021, §3.3) use it to capture relations between pixels for
non-local distillation: keys and values max-pooled by ``pool_stride`` to keep the (HW x HW') matrix small."""
import torch
from torch import nn


class NonLocalBlock2d(nn.Module):
    """``z = x + W(y)``, ``y_i = 1/N' sum_j (theta(x_i) . phi(x)_j) g(x)_j`` over the N' pooled positions j.

    ``theta``, ``phi``, ``g`` are 1x1 convs to ``channels // reduction`` channels (normal init, std 0.01);
    ``W`` is a 1x1 conv back to ``channels`` followed by BN whose scale starts at 0, so the block starts as
    the identity (the initialisation of the reference non-local block).
    """

    def __init__(self, channels, reduction=2, pool_stride=2):
        super().__init__()
        if channels < 1 or reduction < 1 or pool_stride < 1:
            raise ValueError(f"NonLocalBlock2d: channels, reduction and pool_stride must be positive, got "
                             f"{channels}, {reduction}, {pool_stride}")
        self.channels = channels
        self.inner_channels = max(channels // reduction, 1)
        self.pool_stride = pool_stride
        self.theta = nn.Conv2d(channels, self.inner_channels, 1)
        self.phi = nn.Conv2d(channels, self.inner_channels, 1)
        self.g = nn.Conv2d(channels, self.inner_channels, 1)
        self.out = nn.Conv2d(self.inner_channels, channels, 1, bias=False)
        self.out_norm = nn.BatchNorm2d(channels)
        for conv in (self.theta, self.phi, self.g):
            nn.init.normal_(conv.weight, std=0.01)
            nn.init.zeros_(conv.bias)
        nn.init.zeros_(self.out_norm.weight)
        nn.init.zeros_(self.out_norm.bias)

    def pool(self, x):
        # A map smaller than the stride (P7 of a small image) is pooled to one position instead of failing.
        stride = min(self.pool_stride, x.shape[-2], x.shape[-1])
        return nn.functional.max_pool2d(x, stride) if stride > 1 else x

    def forward(self, x):
        if x.dim() != 4 or x.shape[1] != self.channels:
            raise ValueError(f"NonLocalBlock2d: expected (N, {self.channels}, H, W), got {tuple(x.shape)}")
        n, _, h, w = x.shape
        queries = self.theta(x).flatten(2).transpose(1, 2)  # (N, HW, C')
        keys = self.pool(self.phi(x)).flatten(2)  # (N, C', HW')
        values = self.pool(self.g(x)).flatten(2).transpose(1, 2)  # (N, HW', C')
        pairwise = torch.matmul(queries, keys) / keys.shape[-1]
        y = torch.matmul(pairwise, values).transpose(1, 2).reshape(n, self.inner_channels, h, w)
        if self.training and n * h * w == 1:
            # Batch statistics of one value (a 1x1 map, one image): BN normalises it to 0, leaving its shift.
            return x + self.out_norm.bias[None, :, None, None] + 0 * self.out(y)
        return x + self.out_norm(self.out(y))
