"""The one table of `make bench`: each benchmark records its figures against its target here,
and `manage.py bench_summary` prints them together at the end.

A benchmark calls `record(...)`; nothing is written unless `BENCH_RESULTS` names a file (as
scripts/bench.sh does), so a benchmark run by hand prints its own table only.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS_ENV = "BENCH_RESULTS"


@dataclass
class Result:
    benchmark: str
    measure: str
    value: str
    target: str
    passed: bool | None  # None: a figure without a target


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (`share` 0.95 for p95) of the benchmarks' timings."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def record(benchmark: str, measure: str, value: str, target: str, passed: bool | None) -> None:
    path = os.environ.get(RESULTS_ENV)
    if not path:
        return
    with Path(path).open("a", encoding="utf-8") as out:
        out.write(json.dumps(asdict(Result(benchmark, measure, value, target, passed))) + "\n")


def read(path: str) -> list[Result]:
    lines = Path(path).read_text(encoding="utf-8").splitlines() if Path(path).exists() else []
    return [Result(**json.loads(line)) for line in lines if line.strip()]
