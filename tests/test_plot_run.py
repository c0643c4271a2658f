"""tools/plot_run.py on metrics.json files written here in detectron2's JSONWriter format."""
import importlib.util
import json
import os

import matplotlib.image
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location("plot_run", os.path.join(ROOT, "tools/plot_run.py"))
plot_run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plot_run)


def write_metrics(path, records):
    path.mkdir(parents=True, exist_ok=True)
    with open(path / "metrics.json", "w") as f:
        for record in records:
            f.write(json.dumps(record) + "\n")


RECORDS = [
    # As JSONWriter writes them: training scalars every write period, diagnostics on their own iterations.
    {"iteration": 19, "loss_qfl": 1.5, "loss_distill_box": 0.2, "distill/box/loss": 0.8, "distill/box/weight": 0.25,
     "distill/feats_p/loss": 3.0, "distill/feats_p/weight": 1.0, "lr": 0.001, "time": 0.3},
    {"iteration": 20, "distill/box/grad_norm": 0.5, "distill/feats_p/grad_norm": 2.0, "distill/task/grad_norm": 1.0,
     "distill/box/cos_task": 0.3, "distill/feats_p/cos_task": -0.1, "distill/cos/feats_p/box": 0.05},
    {"iteration": 39, "loss_qfl": 1.2, "loss_distill_box": 0.1, "distill/box/loss": 0.5, "distill/box/weight": 0.3,
     "distill/feats_p/loss": 2.5, "distill/feats_p/weight": 1.1, "lr": 0.001, "time": 0.3},
]


def test_plots_every_logged_series(tmp_path):
    write_metrics(tmp_path / "run", RECORDS)
    written = plot_run.plot_run(str(tmp_path / "run"))
    names = sorted(os.path.basename(p) for p in written)
    assert names == ["cosines.png", "grad_norms.png", "path_losses.png", "path_weights.png", "task_losses.png"]
    for path in written:
        assert os.path.dirname(path) == str(tmp_path / "run" / "plots")
        image = matplotlib.image.imread(path)
        assert image.shape[:2] == (280, 480)  # 6 x 3.5 inches at 80 dpi
    # The curves are the logged values, by iteration, labelled by path.
    figures = plot_run.figures(plot_run.read_metrics(str(tmp_path / "run" / "metrics.json")))
    assert figures["task_losses.png"][3] == {"loss_qfl": [(19, 1.5), (39, 1.2)]}
    assert figures["path_weights.png"][3] == {"box": [(19, 0.25), (39, 0.3)], "feats_p": [(19, 1.0), (39, 1.1)]}
    assert figures["grad_norms.png"][3] == {"box": [(20, 0.5)], "feats_p": [(20, 2.0)], "task": [(20, 1.0)]}
    assert figures["cosines.png"][3] == {"box vs task": [(20, 0.3)], "feats_p vs task": [(20, -0.1)],
                                         "feats_p vs box": [(20, 0.05)]}
    assert not [f for f in os.listdir(tmp_path / "run" / "plots") if f.endswith(".tmp")]


def test_run_without_diagnostics_gets_no_diagnostics_plots(tmp_path):
    write_metrics(tmp_path / "run", [RECORDS[0], RECORDS[2]])
    names = sorted(os.path.basename(p) for p in plot_run.plot_run(str(tmp_path / "run"), str(tmp_path / "png")))
    assert names == ["path_losses.png", "path_weights.png", "task_losses.png"]


def test_missing_or_corrupt_metrics(tmp_path, capsys):
    with pytest.raises(SystemExit, match="metrics.json does not exist"):
        plot_run.main([str(tmp_path / "nowhere")])
    write_metrics(tmp_path / "run", [RECORDS[0]])
    with open(tmp_path / "run" / "metrics.json", "a") as f:
        f.write('{"iteration": 39, "loss_qfl": \n')
    with pytest.raises(SystemExit, match=r"metrics.json, line 2: not a JSON object"):
        plot_run.main([str(tmp_path / "run")])
    assert not (tmp_path / "run" / "plots").exists()
