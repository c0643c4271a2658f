"""ResNet stages of any standard depth at any base width, built from detectron2's own blocks.

``ResNet.make_default_stages`` fixes the widths (64..512 / 256..2048); CPU-sized teachers keep the depth
and shrink the widths, so this builds the same stages through ``ResNet.make_stage`` with explicit channels.
"""
import torch
from detectron2.modeling.backbone.resnet import BasicBlock, BottleneckBlock, ResNet

BLOCKS_PER_STAGE = {18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3]}


def stage_out_channels(depth, width=64):
    """Output channels of res2..res5 for a ResNet of ``depth`` whose stem has ``width`` channels."""
    expansion = 1 if depth < 50 else 4
    return [width * expansion * 2**i for i in range(4)]


def make_resnet_stages(depth, width=64, norm="BN", zero_init_residual=False):
    """Returns ``list[list[CNNBlockBase]]`` for ``ResNet(stem, stages)``; width=64 equals the default.

    zero_init_residual: start every block's last norm at γ = 0, so each residual block begins as the
    identity (Goyal et al. 2017, "Accurate, Large Minibatch SGD", §5.1). Deep nets trained from scratch
    then start as shallow ones, which keeps early gradients tame.
    """
    if depth not in BLOCKS_PER_STAGE:
        raise ValueError(f"ResNet depth {depth} is not one of {sorted(BLOCKS_PER_STAGE)}")
    out_channels = stage_out_channels(depth, width)
    in_channels = [width] + out_channels[:-1]
    stages = []
    for i, (n, c_in, c_out) in enumerate(zip(BLOCKS_PER_STAGE[depth], in_channels, out_channels)):
        kwargs = dict(norm=norm)
        if depth >= 50:
            kwargs.update(block_class=BottleneckBlock, bottleneck_channels=c_out // 4)
        else:
            kwargs.update(block_class=BasicBlock)
        stride = 1 if i == 0 else 2
        stages.append(
            ResNet.make_stage(
                num_blocks=n,
                stride_per_block=[stride] + [1] * (n - 1),
                in_channels=c_in,
                out_channels=c_out,
                **kwargs,
            )
        )
    if zero_init_residual:
        for stage in stages:
            for block in stage:
                last_conv = block.conv3 if isinstance(block, BottleneckBlock) else block.conv2
                if last_conv.norm is None or not hasattr(last_conv.norm, "weight"):
                    raise ValueError(f"zero_init_residual needs a norm with a weight, got norm={norm!r}")
                torch.nn.init.zeros_(last_conv.norm.weight)
    return stages
