"""Summaries over seeds and paired per-seed comparisons of benchmark rows."""
import statistics
from dataclasses import dataclass
from typing import Dict, Optional


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


@dataclass(frozen=True)
class PairedComparison:
    differences: Dict[int, float]  # seed: row_a - row_b
    summary: Summary
    wins: int  # seeds on which row_a is better


def compare_paired(a_by_seed, b_by_seed, higher_is_better):
    """Per-seed differences a - b over the seeds both rows have; a seed is a win for ``a`` when its metric is
    strictly better (higher, or lower for an error)."""
    seeds = sorted(set(a_by_seed) & set(b_by_seed))
    differences = {s: a_by_seed[s] - b_by_seed[s] for s in seeds}
    wins = sum(1 for d in differences.values() if (d > 0 if higher_is_better else d < 0))
    return PairedComparison(differences, summarize(differences.values()), wins)
