"""Non-finite values stop training with a FloatingPointError that names what went non-finite and the iteration,
before any assertion deeper down (fvcore's ``giou_loss``: "bad box: x1 larger than x2")."""
import os
from unittest import mock

import pytest
import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.structures import Boxes, Instances
from detectron2.utils.events import EventStorage

CONFIGS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "projects/AdaptiveKD/configs")


def _batch():
    instances = Instances((64, 64), gt_boxes=Boxes(torch.tensor([[8.0, 8.0, 40.0, 40.0]])),
                          gt_classes=torch.tensor([1]))
    return [{"image": torch.full((3, 64, 64), 100.0), "instances": instances}]


def _poisoned(config, layer, value=float("nan"), **overrides):
    model_cfg = LazyConfig.load(os.path.join(CONFIGS, config)).model
    for key, v in overrides.items():
        setattr(model_cfg, key, v)
    model = instantiate(model_cfg).train()
    with torch.no_grad():
        getattr(model.head, layer).bias.fill_(value)
    return model


@pytest.mark.parametrize("layer, output", [("bbox_pred", "pred_edge_logits"), ("cls_score", "pred_logits")])
def test_gfl_names_the_non_finite_head_output_and_iteration(layer, output):
    model = _poisoned("shapes_student.py", layer)
    with EventStorage(41):
        with pytest.raises(FloatingPointError, match=rf"GFL: head output {output} at level p3 has \d+ non-finite "
                                                     r"values of \d+ at iteration 41"):
            model(_batch())


def test_gfl_without_the_check_fails_in_fvcore_on_the_same_input(monkeypatch):
    # What the check pre-empts: the NaN edge distances reach GIoU and fail its assertion.
    from adakd.modeling.meta_arch import gfl

    monkeypatch.setattr(gfl, "check_finite_head_outputs", lambda *args: None)
    model = _poisoned("shapes_student.py", "bbox_pred")
    with EventStorage(0), pytest.raises(AssertionError, match="bad box"):
        model(_batch())


def test_retinanet_with_giou_names_the_non_finite_head_output():
    model = _poisoned("shapes_retinanet_student.py", "bbox_pred", float("inf"), box_reg_loss_type="giou")
    with EventStorage(3):
        with pytest.raises(FloatingPointError, match="RetinaNet: head output pred_anchor_deltas at level p3 .* "
                                                     "at iteration 3"):
            model(_batch())


class NaNFromCall(torch.nn.Module):
    """Two task losses; ``loss_cls`` turns NaN from the ``bad_call``-th forward on (counted from 0)."""

    def __init__(self, bad_call=7):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(()))
        self.bad_call = bad_call
        self.calls = 0

    def forward(self, batch):
        poison = float("nan") if self.calls >= self.bad_call else 1.0
        self.calls += 1
        return {"loss_cls": self.weight * poison, "loss_box_reg": torch.tensor(0.5)}


@pytest.mark.parametrize("amp", [False, True])  # SimpleTrainer, and CPUAMPTrainer (the project's AMP on the CPU)
def test_non_finite_task_loss_stops_training_naming_the_losses_and_iteration(amp, tiny_shapes, tmp_path):
    """The project's training path (do_train, with its hooks, checkpointer and trainer class) stops at the first
    non-finite task loss, names the losses and the iteration, and writes no final checkpoint."""
    from detectron2.config import LazyCall as L

    from adakd.engine.amp_trainer import CPUAMPTrainer
    from adakd.engine.lazy_train import do_train

    cfg = LazyConfig.load(os.path.join(CONFIGS, "shapes_student.py"))
    cfg.model = L(NaNFromCall)(bad_call=7)
    cfg.train.init_checkpoint = ""
    cfg.train.device = "cpu"
    cfg.train.amp.enabled = amp
    cfg.train.max_iter = 9
    cfg.train.output_dir = str(tmp_path)
    cfg.dataloader.train.dataset.names = "tiny_shapes_train"
    cfg.dataloader.train.num_workers = 0
    cfg.dataloader.train.total_batch_size = 2
    built = []
    original_init = CPUAMPTrainer.__init__

    def record(self, *args, **kwargs):
        built.append(type(self))
        original_init(self, *args, **kwargs)

    with mock.patch.object(CPUAMPTrainer, "__init__", record):
        with pytest.raises(FloatingPointError, match=r"Loss became infinite or NaN at iteration=7!\nloss_dict = "
                                                     r"\{'loss_cls': nan, 'loss_box_reg': 0.5\}"):
            do_train(cfg)
    assert built == ([CPUAMPTrainer] if amp else [])
    assert not os.path.exists(tmp_path / "model_final.pth")
