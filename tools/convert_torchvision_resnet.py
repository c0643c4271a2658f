#!/usr/bin/env python
"""Converts torchvision's ImageNet ResNet weights to a detectron2 checkpoint for ``train.init_checkpoint``.

    python tools/convert_torchvision_resnet.py --depth 18 --output pretrained/R-18.pkl
    python tools/convert_torchvision_resnet.py --depth 101 --output pretrained/R-101.pkl

Without --input, torchvision downloads its ImageNet weights (IMAGENET1K_V1) into its cache; with
--input, a local torchvision ``resnet*.pth`` file is converted.
"""
import argparse

import torch
import torchvision

from adakd.checkpoint import convert_torchvision_resnet, save_detectron2_pkl


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--depth", type=int, choices=[18, 34, 50, 101, 152], required=True)
    parser.add_argument("--input", help="a torchvision resnet state dict (.pth); downloaded when omitted")
    parser.add_argument("--output", required=True, help="detectron2 .pkl to write")
    args = parser.parse_args()

    if args.input:
        state_dict = torch.load(args.input, map_location="cpu", weights_only=True)
    else:
        model = getattr(torchvision.models, f"resnet{args.depth}")(weights="IMAGENET1K_V1")
        state_dict = model.state_dict()
    converted = convert_torchvision_resnet(state_dict)
    save_detectron2_pkl(converted, args.output)
    print(f"Wrote {len(converted)} tensors to {args.output}")


if __name__ == "__main__":
    main()
