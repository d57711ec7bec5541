"""Shared helpers for every bench in ``bench/``: one CLI, one way to measure, one table.

The contract (issue 2): ``python bench/NAME.py [--quick] [--json PATH]``; ``--quick`` finishes
in about two minutes on two cores; ``--json`` writes a list of row objects ``{"name": ...,
<metric>: <number>, ...}``; peak memory is the max RSS of a subprocess that does only the
measured work.

A bench measures a piece of work by handing :func:`measure_in_subprocess` a code snippet
with a ``setup`` part (imports, opening files: not timed, but it sets the RSS baseline) and a
``work`` part (timed). The child resets its peak-RSS mark after the setup (Linux
``/proc/self/clear_refs``), then reports wall seconds, its peak RSS during the work
(``VmHWM``) and the RSS just before the work, so ``extra_mb`` = memory the work itself added.
Where the reset is unavailable the peak also covers the setup.

Typical use::

    args = parse_args("Vectors IO")
    row = measure_in_subprocess("load", setup="import numpy as np", work="np.zeros(10**6)")
    print_table([row], metrics=["seconds", "peak_mb"], baseline="load")
    write_json([row], args.json)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

Row = dict[str, Any]

_CHILD_TEMPLATE = """
import json, os, sys, time

def _rss_mb(field):
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

{setup}
try:  # reset the peak-RSS mark (Linux >= 4.0) so VmHWM covers the work, not the setup
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
except OSError:
    pass
_baseline = _rss_mb("VmRSS")
_t0 = time.perf_counter()
{work}
_seconds = time.perf_counter() - _t0
_extra = {extra}
_report = {{"seconds": _seconds, "peak_mb": _rss_mb("VmHWM"), "baseline_mb": _baseline}}
_report.update(_extra or {{}})
sys.stdout.write("\\n@@BENCH@@" + json.dumps(_report) + "\\n")
"""


def parse_args(description: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The common bench CLI: ``--quick`` (small sizes) and ``--json PATH`` (rows out)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small sizes, about 2 minutes")
    parser.add_argument("--json", type=Path, default=None, help="write the rows as JSON here")
    parser.add_argument("--repeat", type=int, default=1, help="runs per row; the best is kept")
    return parser.parse_args(argv)


def measure_in_subprocess(
    name: str,
    *,
    work: str,
    setup: str = "",
    extra: str = "None",
    repeat: int = 1,
    timeout: float = 1800.0,
    env: dict[str, str] | None = None,
) -> Row:
    """Run ``setup`` then time ``work`` in a fresh Python; return a row for ``name``.

    ``extra`` is an expression evaluated after the work whose dict is merged into the row
    (e.g. ``{"qps": n / _seconds}``). With ``repeat`` > 1 the fastest run is kept and the
    largest peak reported. Peak memory is the child's ``VmHWM``, so nothing the parent holds
    leaks into it; ``extra_mb`` is the peak minus the RSS just before the work.
    """
    code = _CHILD_TEMPLATE.format(
        setup=textwrap.dedent(setup), work=textwrap.dedent(work), extra=extra
    )
    child_env = {**os.environ, **(env or {})}
    best: Row | None = None
    for _ in range(max(1, repeat)):
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
            env=child_env,
        )
        marker = [line for line in proc.stdout.splitlines() if line.startswith("@@BENCH@@")]
        if proc.returncode != 0 or not marker:
            raise RuntimeError(
                f"bench child {name!r} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}"
            )
        report = json.loads(marker[-1][len("@@BENCH@@"):])
        report["extra_mb"] = report["peak_mb"] - report["baseline_mb"]
        if best is None or report["seconds"] < best["seconds"]:
            peak = max(report["peak_mb"], best["peak_mb"]) if best else report["peak_mb"]
            best = {**report, "peak_mb": peak}
    assert best is not None
    return {"name": name, **{k: round(v, 4) if isinstance(v, float) else v
                             for k, v in best.items()}}


def time_in_process(fn: Callable[[], Any], repeat: int = 3) -> float:
    """Best wall time of ``fn()`` over ``repeat`` runs, for quick in-process timings."""
    best = float("inf")
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def print_table(
    rows: Sequence[Row], metrics: Sequence[str], baseline: str | None = None,
    ratio_metric: str | None = None, higher_is_better: bool = False,
) -> None:
    """Print rows as a Markdown table; with ``baseline``, add ``ratio`` (> 1 = better)."""
    ratio_metric = ratio_metric or metrics[0]
    base = next((r for r in rows if r["name"] == baseline), None) if baseline else None
    header = ["name", *metrics] + (["ratio"] if base else [])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [str(row["name"])] + [_fmt(row.get(m)) for m in metrics]
        if base:
            cells.append(_fmt(ratio(row, base, ratio_metric, higher_is_better)))
        lines.append("| " + " | ".join(cells) + " |")
    print("\n".join(lines))
    if base:
        print(ratio_caption(baseline, ratio_metric, higher_is_better))


def ratio_caption(baseline: str, metric: str, higher_is_better: bool) -> str:
    """What the ``ratio`` column means, in the words of its metric: a speed-up only for a
    time, a quality ratio for a score (an nDCG ratio read as "faster" misleads)."""
    if higher_is_better:
        return (f"ratio = row's {metric} / {baseline!r}'s {metric} "
                f"(higher {metric} is better; ratio > 1: better than {baseline!r})")
    return (f"ratio = {baseline!r}'s {metric} / row's {metric} "
            f"(lower {metric} is better; ratio > 1: better than {baseline!r})")


def ratio(row: Row, base: Row, metric: str, higher_is_better: bool = False) -> float | None:
    """How many times better ``row`` is than ``base`` on ``metric``."""
    a, b = row.get(metric), base.get(metric)
    if not a or not b:
        return None
    return float(a) / float(b) if higher_is_better else float(b) / float(a)


def machine_note() -> str:
    """One line describing where the numbers were taken."""
    return (f"{platform.platform()}, Python {platform.python_version()}, "
            f"{os.cpu_count()} CPUs (shared, loaded machine), {time.strftime('%Y-%m-%d')}")


def write_json(rows: Sequence[Row], path: Path | None) -> None:
    """Write ``rows`` as a JSON list to ``path`` (no-op when ``path`` is None)."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(list(rows), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path}")


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)
