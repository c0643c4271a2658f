"""Summaries over seeds and paired per-seed comparisons of benchmark rows, with the 95 % interval of a paired
difference (Student's t over the seeds): a difference counts only when its interval excludes zero."""
import math
import statistics
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from scipy import stats


@dataclass(frozen=True)
class Summary:
    n: int
    mean: Optional[float]
    std: Optional[float]  # sample standard deviation (n - 1); None below two values


def summarize(values):
    """Mean and sample standard deviation of ``values`` (Nones, i.e. metrics a result lacks, left out)."""
    values = [v for v in values if v is not None]
    if not values:
        return Summary(0, None, None)
    return Summary(len(values), statistics.mean(values), statistics.stdev(values) if len(values) > 1 else None)


def metric_by_seed(results, key):
    """``{seed: metrics[key]}`` of the trained (seeded) results that have the metric."""
    return {r["seed"]: r["metrics"][key] for r in results
            if r["seed"] is not None and r["metrics"].get(key) is not None}


def t_interval(summary, confidence=0.95):
    """The ``confidence`` interval of the mean of ``summary``'s values (Student's t with n - 1 degrees of
    freedom), or None below two values."""
    if summary.n < 2:
        return None
    half = stats.t.ppf(0.5 + confidence / 2, summary.n - 1) * summary.std / math.sqrt(summary.n)
    return summary.mean - half, summary.mean + half


@dataclass(frozen=True)
class PairedComparison:
    differences: Dict[int, float]  # seed: row_a - row_b
    summary: Summary
    wins: int  # seeds on which row_a is better
    interval: Optional[Tuple[float, float]] = None  # 95 % interval of the mean difference; None below 2 seeds

    def verdict(self, higher_is_better):
        """"better" / "worse" (row_a) when the interval excludes zero, else "cannot be told apart"; None below
        two seeds."""
        if self.interval is None:
            return None
        low, high = self.interval
        if low > 0 or high < 0:
            return "better" if (low > 0) == higher_is_better else "worse"
        return "cannot be told apart"

    def describe(self, higher_is_better):
        """"+1.23 [+0.40, +2.06] **better**" (the mean difference, its 95 % interval, the verdict in bold where the
        interval excludes zero); "+1.23 (1 seed)" below two seeds; "–" without a common seed."""
        if not self.differences:
            return "–"
        text = f"{self.summary.mean:+.2f}"
        if self.interval is None:
            return text + " (1 seed)"
        text += " [{:+.2f}, {:+.2f}]".format(*self.interval)
        verdict = self.verdict(higher_is_better)
        return text + ("" if verdict.startswith("cannot") else f" **{verdict}**")


def compare_paired(a_by_seed, b_by_seed, higher_is_better):
    """Per-seed differences a - b over the seeds both rows have; a seed is a win for ``a`` when its metric is
    strictly better (higher, or lower for an error)."""
    seeds = sorted(set(a_by_seed) & set(b_by_seed))
    differences = {s: a_by_seed[s] - b_by_seed[s] for s in seeds}
    wins = sum(1 for d in differences.values() if (d > 0 if higher_is_better else d < 0))
    summary = summarize(differences.values())
    return PairedComparison(differences, summary, wins, t_interval(summary))
