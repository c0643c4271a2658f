"""tools/run_benchmark.py's runner without training: the subprocess launch is replaced by a stub that writes what
tools/lazyconfig_train_net.py would (eval_results.json, metrics.json), so that skipping, re-running, failures
and the result files can be checked on the real shapes configs in seconds."""
import json
import math
import os
import subprocess

import pytest
from detectron2.config import LazyConfig

from adakd import model_zoo
from adakd.benchmarks import BenchmarkResultError, check_rows, get_task, load_task_results, read_result, result_path
from adakd.benchmarks import runner
from adakd.benchmarks.report import render_rows_table
from adakd.benchmarks.tasks import BALANCER_ROWS
from adakd.benchmarks.results import fingerprint, flatten_metrics, read_gradient_curves, read_training_log
from adakd.utils import atomic_write

from .test_benchmark_report import load_tool

# What the stub's training run logs: two training records and, one iteration later, the final evaluation (as
# detectron2's EvalHook puts it into the EventStorage after the last iteration).
# The gradient diagnostics (model.diagnostics_period) at iteration 19 only: task gradient norm 2, feats_p 8
# (ratio 4) at a cosine of 0.1 with it, box 1 (ratio 0.5) at -0.2.
METRICS_LINES = [
    {"iteration": 19, "total_loss": 2.0, "time": 0.3, "distill/feats_p/weight": 1.1, "distill/box/weight": 0.9,
     "distill/task/grad_norm": 2.0, "distill/feats_p/grad_norm": 8.0, "distill/feats_p/cos_task": 0.1,
     "distill/box/grad_norm": 1.0, "distill/box/cos_task": -0.2, "distill/cos/feats_p/box": 0.3},
    {"iteration": 39, "total_loss": 1.5, "time": 0.5, "distill/feats_p/weight": 1.3, "distill/box/weight": 0.7},
    {"iteration": 40, "bbox/AP": 51.0},
]
EVAL_RESULTS = {"bbox": {"AP": 51.0, "AP50": 69.5, "APl": float("nan")}}


class StubLaunch:
    """Records each command; for tools/lazyconfig_train_net.py writes the run's output files (``fail``: raises
    as a crashed run would, after writing half of them)."""

    def __init__(self, fail=False):
        self.commands, self.fail = [], fail

    def __call__(self, cmd):
        self.commands.append(cmd)
        assert cmd[1] == runner.TRAIN_NET, cmd  # no zoo entry may need training: the shipped files exist
        output_dir = next(a.split("=", 1)[1] for a in cmd if a.startswith("train.output_dir="))
        os.makedirs(output_dir, exist_ok=True)
        if "--eval-only" not in cmd:
            with open(os.path.join(output_dir, "metrics.json"), "w") as f:
                f.writelines(json.dumps(line) + "\n" for line in METRICS_LINES[: 1 if self.fail else None])
        if self.fail:
            raise subprocess.CalledProcessError(1, cmd)
        with open(os.path.join(output_dir, "eval_results.json"), "w") as f:
            json.dump(EVAL_RESULTS, f)


@pytest.fixture
def dirs(tmp_path):
    return str(tmp_path / "results"), str(tmp_path / "output")


DET = get_task("det")


def test_a_run_writes_its_result_and_an_existing_one_is_not_run_again(dirs):
    results_dir, output_dir = dirs
    launch = StubLaunch()
    result = runner.run_row(DET, "adaptive", 1, results_dir, output_dir, launch=launch)
    (cmd,) = launch.commands
    assert cmd[2:4] == ["--config-file", "projects/AdaptiveKD/configs/shapes_adaptive.py"]
    assert "train.seed=1" in cmd and f"train.output_dir={output_dir}/det/adaptive/seed1" in cmd
    assert read_result(result_path(results_dir, "det", "adaptive", 1)) == result
    assert (result["task"], result["row"], result["seed"], result["source"]) == ("det", "adaptive", 1, "trained")
    assert result["metrics"] == {"bbox/AP": 51.0, "bbox/AP50": 69.5, "bbox/APl": None}  # JSON has no NaN
    assert result["path_weights"] == {"feats_p": 1.3, "box": 0.7}
    assert result["path_weight_curve"] == {"feats_p": [[19, 1.1], [39, 1.3]], "box": [[19, 0.9], [39, 0.7]]}
    assert result["seconds_per_iter"] == pytest.approx(0.4) and result["iterations"] == 40
    # A distillation row of a task with diagnostics logs them, and the result keeps their curves.
    assert cmd[-1] == "model.diagnostics_period=100" and result["overrides"] == ["model.diagnostics_period=100"]
    assert result["path_gradient_curve"] == {"feats_p": {"grad_ratio": [[19, 4.0]], "cos_task": [[19, 0.1]]},
                                             "box": {"grad_ratio": [[19, 0.5]], "cos_task": [[19, -0.2]]}}
    cfg = runner.apply_checked_overrides(LazyConfig.load(os.path.join(runner.ROOT, DET.config("adaptive"))),
                                         ["model.diagnostics_period=100"])
    read = {name: model_zoo.get_entry(name)["sha256"] for name in ("shapes_pretrain_r18", "shapes_gfl_r101_teacher")}
    assert result["zoo_checkpoints"] == read  # the student's initialisation and the teacher
    assert result["fingerprint"] == fingerprint(cfg, dataset=runner.dataset_identity(DET), zoo_checkpoints=read)

    assert runner.run_row(DET, "adaptive", 1, results_dir, output_dir, launch=launch) == result
    assert len(launch.commands) == 1  # skipped: same config, same seed
    runner.run_row(DET, "adaptive", 2, results_dir, output_dir, launch=launch)
    runner.run_row(DET, "adaptive", 1, results_dir, output_dir, force=True, launch=launch)
    assert len(launch.commands) == 3


def test_a_result_of_an_earlier_config_is_run_again(dirs):
    results_dir, output_dir = dirs
    launch = StubLaunch()
    runner.run_row(DET, "student", 0, results_dir, output_dir, launch=launch)
    path = result_path(results_dir, "det", "student", 0)
    with open(path) as f:
        old = json.load(f)
    with open(path, "w") as f:
        json.dump({**old, "fingerprint": "an earlier config", "metrics": {"bbox/AP": 1.0}}, f)
    assert runner.run_row(DET, "student", 0, results_dir, output_dir, launch=launch)["metrics"]["bbox/AP"] == 51.0
    assert len(launch.commands) == 2
    assert runner.stale_results(DET, {"student": [read_result(path), {**old, "fingerprint": "x"}]}) == {"student": 1}


def test_a_failed_run_leaves_no_result_and_keeps_the_previous_one(dirs):
    results_dir, output_dir = dirs
    with pytest.raises(subprocess.CalledProcessError):
        runner.run_row(DET, "adaptive", 0, results_dir, output_dir, launch=StubLaunch(fail=True))
    assert not os.path.exists(os.path.join(results_dir, "det", "adaptive"))
    previous = runner.run_row(DET, "adaptive", 0, results_dir, output_dir, launch=StubLaunch())
    with pytest.raises(subprocess.CalledProcessError):
        runner.run_row(DET, "adaptive", 0, results_dir, output_dir, force=True, launch=StubLaunch(fail=True))
    assert read_result(result_path(results_dir, "det", "adaptive", 0)) == previous
    assert os.listdir(os.path.join(results_dir, "det", "adaptive")) == ["seed0.json"]


def test_a_write_interrupted_halfway_leaves_no_file(dirs, monkeypatch):
    results_dir, output_dir = dirs

    def dump_half_then_fail(obj, f, **kwargs):
        f.write(json.dumps(obj)[:50])
        raise KeyboardInterrupt

    def launch_then_break_json(cmd):  # the run succeeds; writing its result then fails halfway
        StubLaunch()(cmd)
        monkeypatch.setattr(atomic_write.json, "dump", dump_half_then_fail)

    with pytest.raises(KeyboardInterrupt):
        runner.run_row(DET, "student", 0, results_dir, output_dir, launch=launch_then_break_json)
    assert os.listdir(os.path.join(results_dir, "det", "student")) == []  # neither the result nor a temporary file


def test_seeds_outer_rows_inner_and_the_shipped_teacher_once(dirs):
    results_dir, output_dir = dirs
    launch = StubLaunch()
    runner.run_benchmark(DET, ["student", "teacher"], [0, 1], results_dir, output_dir, launch=launch)
    summary = [(c[3].rsplit("/", 1)[-1], next((a for a in c if a.startswith("train.seed=")), "--eval-only" in c and "eval"))
               for c in launch.commands]
    assert summary == [("shapes_student.py", "train.seed=0"), ("shapes_teacher.py", "eval"),
                       ("shapes_student.py", "train.seed=1")]
    assert "train.init_checkpoint=zoo://shapes_gfl_r101_teacher" in launch.commands[1]
    teacher = read_result(result_path(results_dir, "det", "teacher", None))
    assert teacher["seed"] is None and teacher["source"] == "model_zoo:shapes_gfl_r101_teacher"
    assert teacher["path_weights"] == {} and teacher["seconds_per_iter"] is None
    shipped_sha256 = model_zoo.get_entry("shapes_gfl_r101_teacher")["sha256"]
    assert teacher["zoo_checkpoints"] == {"shapes_gfl_r101_teacher": shipped_sha256}
    assert sorted(os.listdir(os.path.join(results_dir, "det", "student"))) == ["seed0.json", "seed1.json"]


def test_extra_rows_are_accepted_and_run_like_the_paper_rows(dirs):
    results_dir, output_dir = dirs
    launch = StubLaunch()
    rows = check_rows(DET, ["multiobjective_representation", "pcgrad"])
    runner.run_benchmark(DET, rows, [0], results_dir, output_dir, launch=launch)
    configs = [c[c.index("--config-file") + 1] for c in launch.commands]
    assert configs == ["projects/AdaptiveKD/configs/shapes_multiobjective_representation.py",
                       "projects/AdaptiveKD/configs/shapes_pcgrad.py"]
    assert all("train.seed=0" in c and "--eval-only" not in c for c in launch.commands)
    result = read_result(result_path(results_dir, "det", "pcgrad", 0))
    assert (result["row"], result["source"]) == ("pcgrad", "trained")
    assert result["path_weights"] == {"feats_p": 1.3, "box": 0.7}
    read = {name: model_zoo.get_entry(name)["sha256"] for name in ("shapes_pretrain_r18", "shapes_gfl_r101_teacher")}
    assert result["zoo_checkpoints"] == read
    results = load_task_results(results_dir, DET)
    assert sorted(results) == ["multiobjective_representation", "pcgrad"]
    row = "| pcgrad | `shapes_pcgrad.py` | 51.00 | 69.50 | 1 (0) | 0.400 | box 0.7, feats_p 1.3 |"
    assert row in render_rows_table(DET, results).splitlines()
    # Re-used like a paper row's result while its config is unchanged.
    runner.run_row(DET, "pcgrad", 0, results_dir, output_dir, launch=launch)
    assert len(launch.commands) == 2


def test_every_extra_row_is_its_aggregator():
    from adakd.benchmarks import TASKS
    from adakd.distill.aggregators.build import BALANCERS

    assert set(BALANCER_ROWS) == set(BALANCERS)  # every balancer of issue 16 is a row of every task
    for task in TASKS.values():
        assert set(BALANCER_ROWS) <= set(task.extra_rows) and not set(task.rows) & set(task.extra_rows)
        for row in task.extra_rows:
            aggregator = LazyConfig.load(os.path.join(runner.ROOT, task.config(row))).model.aggregator
            method = aggregator.get("method")
            if row == "multiobjective_representation":
                # MGDA-UB's shared representation: the FPN outputs (detection), the res2 output (the others: AT's
                # first term is res2 itself).
                representation = {"det": "backbone", "seg": "backbone.bottom_up:res2", "cls": "backbone:res2"}
                assert (method, aggregator.get("representation")) == ("multiobjective", representation[task.name])
            elif row in BALANCER_ROWS:
                assert method == row, (task.name, row, method)
            else:  # a row of other paths (issue 27): its aggregator is the one its name begins with
                expected = next(m for m in ("hand_tuned", "adaptive_layerwise", "adaptive", "single") if row.startswith(m))
                assert method == {"single": "hand_tuned"}.get(expected, expected), (task.name, row, method)
                # other paths (detection, classification) or a single path's weight sweep (detection, segmentation)
                assert task.name in ("det", "cls") or row.rsplit("_x", 1)[0] in task.swept_rows, (task.name, row)


def test_the_classification_student_is_measured_against_the_shipped_teacher(dirs):
    results_dir, output_dir = dirs
    launch = StubLaunch()
    runner.run_row(get_task("cls"), "student", 0, results_dir, output_dir, zoo_student=True, launch=launch)
    cmd = launch.commands[0]
    assert "--eval-only" in cmd and "train.init_checkpoint=zoo://shapes_cls_r18_student" in cmd
    assert "dataloader.evaluator.teacher_weights=zoo://shapes_cls_r34_teacher" in cmd
    assert os.path.exists(result_path(results_dir, "cls", "student", None))


def test_diagnostics_only_for_distillation_rows_of_tasks_that_ask(dirs):
    assert runner.row_config(DET, "student")[1] == []
    assert runner.row_config(DET, "hand_tuned")[1] == ["model.diagnostics_period=100"]
    assert runner.row_config(get_task("seg"), "adaptive")[1] == ["model.diagnostics_period=100"]
    assert runner.row_config(get_task("cls"), "adaptive")[1] == ["model.diagnostics_period=100"]
    # The plain student has no paths to diagnose: only its evaluator's teacher opts.
    assert runner.row_config(get_task("cls"), "student")[1] == list(get_task("cls").plain_student_opts)
    assert runner.row_config(DET, "teacher", shipped=True)[1] == ["train.init_checkpoint=zoo://shapes_gfl_r101_teacher"]


def test_gradient_curves_by_hand(tmp_path):
    path = tmp_path / "metrics.json"
    lines = METRICS_LINES + [{"iteration": 59, "distill/task/grad_norm": 4.0, "distill/feats_p/grad_norm": 2.0}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    # 8 / 2 and 1 / 2 at iteration 19; at 59, 2 / 4 for feats_p, which logged no cosine there.
    assert read_gradient_curves(str(path)) == {
        "feats_p": {"grad_ratio": [[19, 4.0], [59, 0.5]], "cos_task": [[19, 0.1]]},
        "box": {"grad_ratio": [[19, 0.5]], "cos_task": [[19, -0.2]]},
    }
    path.write_text(json.dumps(METRICS_LINES[1]) + "\n")
    assert read_gradient_curves(str(path)) == {}  # a run without diagnostics


def test_training_log_by_hand(tmp_path):
    path = tmp_path / "metrics.json"
    path.write_text("".join(json.dumps(line) + "\n" for line in METRICS_LINES) + "\n")
    curve, final, seconds_per_iter, iterations = read_training_log(str(path))
    assert curve == {"feats_p": [[19, 1.1], [39, 1.3]], "box": [[19, 0.9], [39, 0.7]]}
    assert final == {"feats_p": 1.3, "box": 0.7} and seconds_per_iter == pytest.approx(0.4) and iterations == 40
    path.write_text('{"iteration": 19, "total_loss": 2.0}\n{"iteration": 3')
    with pytest.raises(BenchmarkResultError, match=r"metrics\.json, line 2"):
        read_training_log(str(path))
    assert flatten_metrics({"sem_seg": {"mIoU": 30.5, "IoU-ring": math.nan}}) == {"sem_seg/mIoU": 30.5, "sem_seg/IoU-ring": None}


def test_fingerprint_ignores_output_dir_and_seed_but_not_the_recipe_the_data_or_the_teacher():
    cfg = LazyConfig.load(os.path.join(runner.ROOT, DET.config("student")))
    data = runner.dataset_identity(DET)
    reference = fingerprint(cfg, dataset=data)
    cfg.train.output_dir, cfg.train.seed = "elsewhere", 7
    assert fingerprint(cfg, dataset=data) == reference
    assert fingerprint(cfg, dataset={**data, "version": data["version"] + 1}) != reference
    assert fingerprint(cfg, dataset=data, zoo_checkpoints={"teacher": "retrained"}) != reference
    cfg.optimizer.lr *= 2
    assert fingerprint(cfg, dataset=data) != reference


def test_unknown_task_or_row_lists_the_valid_ones(monkeypatch, capsys):
    tool = load_tool()
    monkeypatch.setattr("sys.argv", ["run_benchmark.py", "--task", "det", "--rows", "adaptive", "single_at"])
    with pytest.raises(SystemExit):
        tool.main()
    err = capsys.readouterr().err
    assert "Unknown det rows ['single_at']; valid rows: student, single_feats, single_box, equal, hand_tuned" in err
    # The extra rows are valid too, and listed.
    assert ("adaptive, teacher, multiobjective_representation, uncertainty, dwa, gradnorm, pcgrad, cagrad, imtl_g, "
            "nash_mtl, famo, rlw, aligned_mtl, db_mtl, uw_so, single_pkd, single_crosskd, hand_tuned_pkd_box, adaptive_pkd_box, "
            "hand_tuned_pkd_crosskd_box, adaptive_pkd_crosskd_box, single_feats_x0_1, single_feats_x10, single_box_x0_1, "
            "single_box_x10\n") in err
    monkeypatch.setattr("sys.argv", ["run_benchmark.py", "--task", "detection", "--report"])
    with pytest.raises(SystemExit):
        tool.main()
    err = capsys.readouterr().err
    assert "invalid choice: 'detection'" in err and all(t in err for t in ("cls", "det", "seg"))
    with pytest.raises(KeyError, match="valid tasks: det, seg, cls"):
        get_task("detection")


def test_every_row_has_its_config_and_every_shipped_row_its_zoo_entry():
    from adakd.benchmarks import TASKS

    for task in TASKS.values():
        for row in task.all_rows:
            assert os.path.isfile(os.path.join(runner.ROOT, task.config(row))), (task.name, row)
        for row in ("teacher", "student"):
            entry = model_zoo.get_entry(task.zoo_entry(row))
            assert entry["status"] == "trained" and entry["config"] == task.config(row), (task.name, row)


def test_main_passes_the_documented_defaults_and_directories(monkeypatch, tmp_path):
    """tools/run_benchmark.py's command line: default rows (the task's paper rows) and seeds (0 1 2), the result and
    output folders, --zoo-student and --report reach the runner."""
    tool = load_tool()
    calls = []
    monkeypatch.setattr(tool, "prepare_dataset", lambda task: "stub")
    monkeypatch.setattr(tool, "run_benchmark", lambda *args, **kwargs: calls.append(("run", args, kwargs)))
    monkeypatch.setattr(tool, "report", lambda task, results_dir: calls.append(("report", task.name, results_dir)))
    results, output = str(tmp_path / "r"), str(tmp_path / "o")
    for argv in (["--task", "seg"],
                 ["--task", "det", "--rows", "student", "adaptive", "--seeds", "4", "--zoo-student", "--force",
                  "--results-dir", results, "--output-dir", output],
                 ["--task", "cls", "--report", "--results-dir", results]):
        monkeypatch.setattr("sys.argv", ["run_benchmark.py", *argv])
        tool.main()
    seg = get_task("seg")
    assert calls[0] == ("run", (seg, list(seg.rows), [0, 1, 2], "benchmarks/results", "output/benchmark"),
                        {"force": False, "zoo_student": False})
    assert list(seg.rows) == ["student", "single_at", "single_st", "equal", "hand_tuned", "multiobjective",
                              "adaptive", "teacher"]  # the README's paper rows, no extra row by default
    assert calls[1] == ("run", (DET, ["student", "adaptive"], [4], results, output),
                        {"force": True, "zoo_student": True})
    assert calls[2] == ("report", "cls", results) and len(calls) == 3


def test_git_commit_names_head_and_marks_a_dirty_checkout(monkeypatch, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run(git + ["init", "-q"], check=True)
    (repo / "a.txt").write_text("1")
    subprocess.run(git + ["add", "a.txt"], check=True)
    subprocess.run(git + ["commit", "-qm", "one"], check=True)
    head = subprocess.run(git + ["rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    monkeypatch.setattr(runner, "ROOT", str(repo))
    assert runner.git_commit() == head and len(head) == 40
    (repo / "untracked.txt").write_text("new")  # untracked files do not make it dirty
    assert runner.git_commit() == head
    (repo / "a.txt").write_text("2")
    assert runner.git_commit() == head + "-dirty"
    monkeypatch.setattr(runner, "ROOT", str(tmp_path / "not_a_repo"))
    (tmp_path / "not_a_repo").mkdir()
    assert runner.git_commit() is None
