"""The rows of the paper's comparison tables on the embedded benchmarks, by task (issue 15), and the optional extra
rows of the aggregators added since (issue 16): the multitask balancers, MGDA-UB's cheap multiobjective.

Row ``r`` of a task is the config ``projects/AdaptiveKD/configs/<config_prefix><r>.py``. The teacher row is
not trained: it evaluates the shipped teacher, a model zoo entry. Every zoo entry name the benchmark uses is
listed here and nowhere else (tools/train_zoo_entry.py imports the classification teacher's from here).

The paper's rows are run by default and always reported ("not run" until they have results); an extra row is
run only when named with ``--rows`` and reported only once it has a result, so adding one changes no table.
"""
from dataclasses import dataclass
from typing import Tuple

CONFIG_DIR = "projects/AdaptiveKD/configs"
TEACHER_ROW = "teacher"
STUDENT_ROW = "student"
ADAPTIVE_ROW = "adaptive"
HAND_TUNED_ROW = "hand_tuned"
# The multitask balancers of issues 16 and 28 (adakd/distill/aggregators), in the order of the README's table.
BALANCER_ROWS = ("uncertainty", "dwa", "gradnorm", "pcgrad", "cagrad", "imtl_g", "nash_mtl", "famo", "rlw", "aligned_mtl",
                 "db_mtl", "uw_so")
# Issue 27's paths as rows: detection with PKD in place of Feats_P and CrossKD beside it; classification's Figure 2
# pairs (an intermediate path, AT / FM / OFD, with an output path, ST / SR; hand-tuned and adaptive) and Table 3.
DETECTION_PATH_ROWS = ("single_pkd", "single_crosskd", "hand_tuned_pkd_box", "adaptive_pkd_box",
                       "hand_tuned_pkd_crosskd_box", "adaptive_pkd_crosskd_box")
FIGURE2_PAIRS = ("at_sr", "fm_st", "fm_sr", "ofd_st", "ofd_sr")
FIGURE2_ROWS = tuple(f"{method}_{pair}" for pair in FIGURE2_PAIRS for method in ("hand_tuned", "adaptive"))


@dataclass(frozen=True)
class PathSet:
    """A set of paths that a task runs both hand-tuned and adaptive: rows ``hand_tuned_<suffix>`` and
    ``adaptive_<suffix>``, or the task's own ``hand_tuned`` and ``adaptive`` rows where ``suffix`` is empty."""
    label: str  # "OFD + ST"
    suffix: str = ""

    @property
    def rows(self):
        """(hand-tuned row, adaptive row)."""
        if not self.suffix:
            return HAND_TUNED_ROW, ADAPTIVE_ROW
        return f"{HAND_TUNED_ROW}_{self.suffix}", f"{ADAPTIVE_ROW}_{self.suffix}"


# Issue 24, item 7: each single path at 0.1× and 10× its authors' weight (1× is the single row itself), rows
# "<single row>_x0_1" and "<single row>_x10".
SWEEP_FACTORS = (0.1, 1.0, 10.0)


def sweep_row(row, factor):
    """The row of single-path row ``row`` at ``factor`` × its weight (``row`` itself at 1)."""
    return row if factor == 1 else f"{row}_x{factor:g}".replace(".", "_")


def sweep_rows(single_rows):
    return tuple(sweep_row(r, f) for r in single_rows for f in SWEEP_FACTORS if f != 1)


TABLE3_ROWS = ("single_nst", "single_l2_logit", "adaptive_nst_l2_logit", "hand_tuned_four_paths",
               "adaptive_four_paths", "adaptive_layerwise_nst_l2_logit", "adaptive_layerwise_four_paths")


@dataclass(frozen=True)
class Metric:
    key: str  # the evaluator's key as detectron2 prints it, flattened: "bbox/AP"
    label: str  # column header
    higher_is_better: bool


@dataclass(frozen=True)
class BenchmarkTask:
    name: str  # as given to --task
    title: str
    dataset: str  # the embedded benchmark it trains and evaluates on: "shapes" or "shapes_cls"
    config_prefix: str
    rows: Tuple[str, ...]  # the paper's rows: run by default, always in the report
    metrics: Tuple[Metric, ...]  # the first one is the task's main metric
    teacher_entry: str  # the shipped teacher that the teacher row evaluates
    student_entry: str  # the shipped plain student (evaluated instead of trained with --zoo-student)
    # Extra overrides when a plain student (no teacher inside) is evaluated: classification measures it
    # against the shipped teacher too (top-1 agreement error).
    plain_student_opts: Tuple[str, ...] = ()
    # Rows run only when named with --rows and reported only when they have a result.
    extra_rows: Tuple[str, ...] = ()
    # The single-path rows whose weight is swept (issue 24, item 7): their "_x0_1" / "_x10" rows are extra rows.
    swept_rows: Tuple[str, ...] = ()
    # Distillation rows log their per-path gradient diagnostics every this many iterations (0: off), which the
    # report draws (``model.diagnostics_period``; a multiple of the configs' log period of 20).
    diagnostics_period: int = 0
    # Sets of paths run both hand-tuned and adaptive (the task's own first), compared in one table and plot titled
    # ``path_sets_title`` once a set beyond the task's own has a result (classification: the paper's Figure 2).
    path_sets: Tuple[PathSet, ...] = ()
    path_sets_title: str = ""
    # Rows of those other paths whose per-path gradients the report draws in a picture of their own (kept to a few:
    # each row is one line of panels).
    path_gradient_rows: Tuple[str, ...] = ()

    @property
    def all_rows(self):
        """Every row the task accepts: the paper's, then the extra ones."""
        return self.rows + self.extra_rows

    def reported_rows(self, results):
        """The rows a report of ``results`` (``{row: [result, ...]}``) shows: every paper row, and the extra rows
        that have a result."""
        return self.rows + tuple(r for r in self.extra_rows if results.get(r))

    def gradient_rows(self, results):
        """The rows the task's path-gradient picture draws: every paper row, and the weight sweep's rows that have a
        result (the league's other aggregators are drawn in the league's picture, its best and worst three; the
        ``path_gradient_rows`` in a picture of their own)."""
        return self.rows + tuple(r for r in sweep_rows(self.swept_rows) if results.get(r))

    def config(self, row):
        """Repository-relative config file of ``row``."""
        return f"{CONFIG_DIR}/{self.config_prefix}{row}.py"

    def zoo_entry(self, row):
        """The model zoo entry a shipped ``row`` evaluates."""
        return {TEACHER_ROW: self.teacher_entry, STUDENT_ROW: self.student_entry}[row]


_SHAPES_CLS_TEACHER = "shapes_cls_r34_teacher"
# Every 100 iterations: 14 points over a 1400-iteration run (12 over classification's 1250), a few per cent of the
# step time.
DIAGNOSTICS_PERIOD = 100

TASKS = {
    "det": BenchmarkTask(
        name="det",
        title="detection (shapes, GFL R101 -> R18, Feats_P + Box: Table 5, right block)",
        dataset="shapes",
        config_prefix="shapes_",
        rows=("student", "single_feats", "single_box", "equal", "hand_tuned", "multiobjective", "adaptive",
              "teacher"),
        metrics=(Metric("bbox/AP", "AP", True), Metric("bbox/AP50", "AP50", True)),
        teacher_entry="shapes_gfl_r101_teacher",
        student_entry="shapes_gfl_r18_student",
        extra_rows=("multiobjective_representation", *BALANCER_ROWS, *DETECTION_PATH_ROWS,
                    *sweep_rows(("single_feats", "single_box"))),
        swept_rows=("single_feats", "single_box"),
        diagnostics_period=DIAGNOSTICS_PERIOD,
        path_sets=(PathSet("Feats_P + Box"), PathSet("PKD + Box", "pkd_box"),
                   PathSet("PKD + CrossKD + Box", "pkd_crosskd_box")),
        path_sets_title="Detection paths",
        path_gradient_rows=DETECTION_PATH_ROWS,
    ),
    "seg": BenchmarkTask(
        name="seg",
        title="semantic segmentation (shapes, Semantic FPN R101 -> R18, AT + ST: Table 4)",
        dataset="shapes",
        config_prefix="shapes_sem_seg_",
        rows=("student", "single_at", "single_st", "equal", "hand_tuned", "multiobjective", "adaptive", "teacher"),
        metrics=(Metric("sem_seg/mIoU", "mIoU", True), Metric("sem_seg/mACC", "mAcc", True)),
        teacher_entry="shapes_semantic_fpn_r101_teacher",
        student_entry="shapes_semantic_fpn_r18_student",
        extra_rows=("multiobjective_representation", *BALANCER_ROWS, *sweep_rows(("single_at", "single_st"))),
        swept_rows=("single_at", "single_st"),
        diagnostics_period=DIAGNOSTICS_PERIOD,
    ),
    "cls": BenchmarkTask(
        name="cls",
        title="classification (shapes_cls, R34 -> R18, AT + ST: Tables 2 and 3)",
        dataset="shapes_cls",
        config_prefix="shapes_cls_",
        rows=("student", "single_at", "single_st", "equal", "hand_tuned", "multiobjective", "adaptive",
              "adaptive_layerwise", "teacher"),
        metrics=(
            Metric("classification/top1_err", "top-1 err (%)", False),
            Metric("classification/top1_agreement_err", "top-1 agreement err (%)", False),
        ),
        teacher_entry=_SHAPES_CLS_TEACHER,
        student_entry="shapes_cls_r18_student",
        plain_student_opts=(
            f"dataloader.evaluator.teacher_config={CONFIG_DIR}/shapes_cls_teacher.py",
            f"dataloader.evaluator.teacher_weights=zoo://{_SHAPES_CLS_TEACHER}",
        ),
        extra_rows=("multiobjective_representation", *BALANCER_ROWS, *FIGURE2_ROWS, *TABLE3_ROWS),
        diagnostics_period=DIAGNOSTICS_PERIOD,
        path_sets=(PathSet("AT + ST"), *(PathSet(pair.replace("_", " + ").upper(), pair) for pair in FIGURE2_PAIRS)),
        path_sets_title="Figure 2",
    ),
}


def get_task(name):
    if name not in TASKS:
        raise KeyError(f"Unknown benchmark task {name!r}; valid tasks: {', '.join(TASKS)}")
    return TASKS[name]


def check_rows(task, rows):
    """Raises ValueError naming the rows of ``rows`` that ``task`` does not have, and listing all its rows (the
    paper's and the extra ones)."""
    unknown = [r for r in rows if r not in task.all_rows]
    if unknown:
        raise ValueError(f"Unknown {task.name} rows {unknown}; valid rows: {', '.join(task.all_rows)}")
    return list(rows)
