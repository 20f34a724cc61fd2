"""Run the benchmarks: python -m benchmarks [--smoke] [--only NAME ...] [--repeat N].

Each group of benchmarks runs in its own process, so that its peak memory is its own. The table
goes to stdout and the rows to benchmarks/results.json. Exit status: 0 when everything ran (and,
in a full run, met its budget), 1 when a benchmark crashed, 2 when a full run missed a budget.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness import Result, format_seconds

RESULTS = {False: Path(__file__).with_name("results.json"), True: Path(__file__).with_name("results-smoke.json")}
FULL_REPEAT, SMOKE_REPEAT = 5, 2
SUITE_TIMEOUT = {False: 3 * 3600, True: 600}  # seconds, full and smoke
EXIT_CRASHED, EXIT_OVER_BUDGET = 1, 2
# Prefect as quiet as the CLI makes it (see newswatch.cli.QUIET_PREFECT).
QUIET = {"PREFECT_LOGGING_LEVEL": "WARNING", "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}


@dataclass(frozen=True)
class Suite:
    """Benchmarks measured in one process: its module's ``run(smoke, repeat)`` returns their rows."""

    module: str
    rows: tuple[str, ...]
    waits: bool = False  # mostly waits (for a schedule), rather than computes


SUITES = {
    "classify": Suite("benchmarks.bench_classify", ("classify",)),
    "first-result": Suite("benchmarks.bench_first_result", ("warm-replay",)),
    "replay": Suite("benchmarks.bench_replay", ("orchestration", "memory-replay")),
    "feeds": Suite("benchmarks.bench_feeds", ("feed-cycle", "idle-cycle", "memory-feed-cycle")),
    "scale": Suite("benchmarks.bench_scale", ("scale-sqlite", "scale-postgresql")),
    "volume": Suite(
        "benchmarks.bench_volume",
        ("volume-sqlite", "volume-day-sqlite", "volume-postgresql", "volume-day-postgresql"),
    ),
    "alert": Suite("benchmarks.bench_alert", ("time-to-alert",), waits=True),
    "workers": Suite("benchmarks.bench_workers", ("workers",)),
    "day": Suite("benchmarks.bench_day", ("day-sqlite", "day-postgresql")),
}
# The names --only accepts, and the rows each one reports.
BENCHMARKS = {
    "classify": ("classify",),
    "warm-replay": ("warm-replay",),
    "orchestration": ("orchestration",),
    "feed-cycle": ("feed-cycle",),
    "idle-cycle": ("idle-cycle",),
    "scale": ("scale-sqlite", "scale-postgresql"),
    "volume": ("volume-sqlite", "volume-day-sqlite", "volume-postgresql", "volume-day-postgresql"),
    "memory": ("memory-replay", "memory-feed-cycle"),
    "time-to-alert": ("time-to-alert",),
    "workers": ("workers",),
    "day": ("day-sqlite", "day-postgresql"),
}
# Left out of a full run unless asked for (--only): a measured day takes 40 minutes to an hour.
# Smoke runs include them.
ON_REQUEST = {"day"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, budgets not enforced (CI)")
    parser.add_argument(
        "--only", nargs="+", choices=sorted(BENCHMARKS), metavar="NAME", help="run only these (day: only when named)"
    )
    parser.add_argument("--repeat", type=int, help=f"repetitions (default {FULL_REPEAT}, smoke {SMOKE_REPEAT})")
    parser.add_argument(
        "--output",
        type=Path,
        help="where to write the JSON rows (default benchmarks/results.json, smoke: results-smoke.json)",
    )
    parser.add_argument("--suite", help=argparse.SUPPRESS)  # internal: run one suite in this process
    parser.add_argument("--suite-output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    repeat = args.repeat or (SMOKE_REPEAT if args.smoke else FULL_REPEAT)
    if args.suite:
        return _run_suite(args.suite, args.smoke, repeat, args.suite_output)

    names = args.only or [name for name in BENCHMARKS if args.smoke or name not in ON_REQUEST]
    wanted = [row for name in names for row in BENCHMARKS[name]]
    started = time.perf_counter()
    suites = {name: suite for name, suite in SUITES.items() if any(row in wanted for row in suite.rows)}
    # A smoke run times nothing, so the suite that mostly waits for serve's schedule runs alongside.
    background = {n: _SuiteProcess(n, s, args.smoke, repeat) for n, s in suites.items() if args.smoke and s.waits}
    finished = {n: _SuiteProcess(n, s, args.smoke, repeat).rows() for n, s in suites.items() if n not in background}
    finished |= {name: process.rows() for name, process in background.items()}
    results = [row for name in suites for row in finished[name] if row.name in wanted]
    print(_table(results, args.smoke))
    output = args.output or RESULTS[args.smoke]
    print(f"\n{len(results)} results in {time.perf_counter() - started:.0f} s; written to {output}")
    output.write_text(json.dumps([r.as_json() for r in results], indent=2, ensure_ascii=False) + "\n")
    if any(r.crashed for r in results):
        return EXIT_CRASHED
    if not args.smoke and any(r.ok is False for r in results):
        return EXIT_OVER_BUDGET
    return 0


def _run_suite(name: str, smoke: bool, repeat: int, output: Path) -> int:
    """In the child process: run one suite and write its rows as JSON."""
    module = importlib.import_module(SUITES[name].module)
    rows: list[Result] = module.run(smoke, repeat)
    output.write_text(json.dumps([r.as_json() for r in rows]))
    return 0


class _SuiteProcess:
    """A suite running in a fresh interpreter; ``rows()`` waits for it. A crash becomes failed rows."""

    def __init__(self, name: str, suite: Suite, smoke: bool, repeat: int) -> None:
        print(f"== {name} ({', '.join(suite.rows)})", file=sys.stderr, flush=True)
        self.suite = suite
        self.timeout = SUITE_TIMEOUT[smoke]
        self._folder = tempfile.TemporaryDirectory(prefix="nw-bench-")
        self._output = Path(self._folder.name) / "rows.json"
        command = [sys.executable, "-m", "benchmarks", "--suite", name, "--suite-output", str(self._output)]
        command += ["--repeat", str(repeat), *(["--smoke"] if smoke else [])]
        env = {**QUIET, **os.environ, "PYTHONUNBUFFERED": "1"}
        # The benchmark's stdout is where console alerts are printed: thousands of lines.
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=env)

    def rows(self) -> list[Result]:
        try:
            status = self._process.wait(timeout=self.timeout)
            failure = f"crashed (exit status {status})" if status else None
        except subprocess.TimeoutExpired:
            self._process.kill()
            failure = f"crashed (timed out after {self.timeout} s)"
        with self._folder:
            if failure is None and self._output.exists():
                return [Result(**row).judge() for row in json.loads(self._output.read_text())]
        failure = failure or "crashed (no results written)"
        return [Result(row, 0, 0.0, None, None, 0.0, notes=failure, crashed=True).judge() for row in self.suite.rows]


def _table(results: list[Result], smoke: bool) -> str:
    header = ("benchmark", "n", "median", "reference", "ratio", "budget", "result", "peak RSS")
    lines = [header]
    for r in results:
        if r.crashed:
            verdict = "CRASHED"
        elif r.skipped:
            verdict = "skipped"
        elif smoke:
            verdict = "ran" + ("" if r.ok else " (over budget)")
        else:
            verdict = "pass" if r.ok else "FAIL"
        lines.append(
            (
                r.name,
                str(r.n),
                format_seconds(r.median_s) if not r.skipped else "–",
                format_seconds(r.reference_median_s) if r.reference_median_s is not None else "–",
                f"{r.ratio:.3f}" if r.ratio is not None else "–",
                r.budget,
                verdict,
                f"{r.peak_rss_mb:.0f} MB" if r.peak_rss_mb else "–",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    rendered = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in lines]
    rendered.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"  {r.name}: {r.notes}" for r in results if r.notes]
    throughput = [f"  {r.name}: {r.throughput_per_s:,.0f} per second" for r in results if r.throughput_per_s]
    return "\n".join(["", *rendered, "", "Throughput:", *throughput, "", "Notes:", *notes])


if __name__ == "__main__":
    sys.exit(main())
