"""torchvision ResNet weights, converted and loaded by detectron2's checkpointer, give torchvision's features."""
import pytest
import torch
import torchvision
from detectron2.checkpoint import DetectionCheckpointer
from detectron2.modeling.backbone import BasicStem, ResNet

from adakd.checkpoint import convert_torchvision_resnet, save_detectron2_pkl
from adakd.modeling.backbone import make_resnet_stages


@pytest.mark.parametrize("depth", [18, 50])
def test_converted_weights_reproduce_torchvision_features(depth, tmp_path):
    torch.manual_seed(0)
    reference = getattr(torchvision.models, f"resnet{depth}")().eval()
    with torch.no_grad():  # non-trivial BN statistics, so that every BN field has to land in the right place
        for m in reference.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.1, 0.1)
    path = str(tmp_path / f"R-{depth}.pkl")
    save_detectron2_pkl(convert_torchvision_resnet(reference.state_dict()), path)

    backbone = ResNet(
        BasicStem(in_channels=3, out_channels=64, norm="FrozenBN"),
        make_resnet_stages(depth, norm="FrozenBN"),
        out_features=["res5"],
    ).eval()
    # Any weight or BN statistic left behind would keep its own initialisation and change the output.
    DetectionCheckpointer(backbone).load(path)

    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        t = reference.maxpool(reference.relu(reference.bn1(reference.conv1(x))))
        expected = reference.layer4(reference.layer3(reference.layer2(reference.layer1(t))))
        actual = backbone(x)["res5"]
    torch.testing.assert_close(actual, expected, rtol=1e-4, atol=1e-5)


def test_a_foreign_key_is_named():
    with pytest.raises(KeyError, match="classifier.weight"):
        convert_torchvision_resnet({"conv1.weight": torch.zeros(1), "classifier.weight": torch.zeros(1)})
