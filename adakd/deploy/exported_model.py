"""An exported file run like the model it came from: detectron2's batched inputs in, detectron2's outputs out.

    model = ExportedModel("output/export/model.onnx")            # onnxruntime; a .ts file runs in TorchScript
    outputs = model([{"image": image, "height": h, "width": w}])  # [{"instances": Instances}] for a detector

so detectron2's ``inference_on_dataset`` and the config's evaluator measure it as they measure the PyTorch model.
The file sees one image at a time, as the config's test mapper gives it (already resized); what the model does
after its traced part is done here, as detectron2's meta-architectures do it: boxes are rescaled to each
input's ``height`` / ``width`` and clipped (``detector_postprocess``), segmentation logits resized
(``sem_seg_postprocess``). Runs on the CPU.
"""
import json
import warnings

import torch
from detectron2.modeling.postprocessing import detector_postprocess, sem_seg_postprocess
from detectron2.structures import Boxes, Instances
from torch import nn

from .export import METADATA_KEY


class ExportedModel(nn.Module):
    def __init__(self, path, num_threads=None):
        """
        Args:
            path: a file written by ``export_model``: ``*.onnx`` (run in onnxruntime) or ``*.ts`` (TorchScript).
            num_threads: onnxruntime's intra-op threads (default: ``torch.get_num_threads()``); TorchScript
                uses torch's own setting.
        """
        super().__init__()
        self.path = path
        self.is_onnx = str(path).endswith(".onnx")
        if self.is_onnx:
            import onnxruntime

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = num_threads or torch.get_num_threads()
            options.inter_op_num_threads = 1
            self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            description = self.session.get_modelmeta().custom_metadata_map.get(METADATA_KEY)
        else:
            extra = {f"{METADATA_KEY}.json": ""}
            with warnings.catch_warnings():  # torch 2.10+ marks TorchScript deprecated; it still loads and runs it
                warnings.simplefilter("ignore", FutureWarning)
                self.module = torch.jit.load(str(path), map_location="cpu", _extra_files=extra)
            description = extra[f"{METADATA_KEY}.json"]
        if not description:
            raise ValueError(f"{path} was not written by adakd.deploy.export_model: "
                             f"it has no {METADATA_KEY} description")
        self.metadata = json.loads(description)
        self.task = self.metadata["task"]
        self.output_names = self.metadata["outputs"]

    def run(self, image: torch.Tensor):
        """The file's outputs on one image (C, H, W), by name: e.g. ``boxes``, ``scores``, ``classes``."""
        image = image.detach().to("cpu", torch.float32).contiguous()
        if self.is_onnx:
            outputs = [torch.from_numpy(x) for x in self.session.run(self.output_names, {"image": image.numpy()})]
        else:
            with torch.no_grad():
                outputs = self.module(image)
        return dict(zip(self.output_names, outputs))

    def forward(self, batched_inputs):
        return [self._postprocess(self.run(x["image"]), x) for x in batched_inputs]

    def _postprocess(self, outputs, inputs):
        height, width = inputs["image"].shape[-2:]
        if self.task == "detection":
            instances = Instances((height, width), pred_boxes=Boxes(outputs["boxes"]), scores=outputs["scores"],
                                  pred_classes=outputs["classes"])
            return {"instances": detector_postprocess(instances, inputs.get("height", height),
                                                      inputs.get("width", width))}
        if self.task == "sem_seg":
            return {"sem_seg": sem_seg_postprocess(outputs["sem_seg"], (height, width),
                                                   inputs.get("height", height), inputs.get("width", width))}
        return {"logits": outputs["logits"]}
