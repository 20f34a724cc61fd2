"""warm-replay: `newswatch replay seeds/` as a user types it, beside `newswatch classify seeds/`.

Both are whole commands in fresh processes, on the same seed files, alternating which goes first.
The replay's Prefect server is the one `newswatch server start` leaves running (started once,
before any timing, in a temporary newswatch home); each replay stores into a fresh SQLite file,
so every run does the whole job: read, classify, store, resolve events, alert (to the console).
A warm-up run of each comes first: "warm" means Python's bytecode is compiled and the server is up.
The ratio says what running as a Prefect flow costs over classifying alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import Result, compared, log, side_by_side

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
NEWSWATCH = [sys.executable, "-m", "newswatch"]


def _command(arguments: list[str], env: dict[str, str]) -> float:
    """Wall time of one newswatch command; a failure stops the benchmark with its output."""
    started = time.perf_counter()
    done = subprocess.run([*NEWSWATCH, *arguments], env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"newswatch {' '.join(arguments)} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return elapsed


def run(smoke: bool, repeat: int) -> list[Result]:
    seed_files = sorted(SEEDS.glob("*.txt"))
    with tempfile.TemporaryDirectory(prefix="nw-bench-first-") as tmp:
        home = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "NEWSWATCH_DATABASE_URL")}
        env |= {"NEWSWATCH_HOME": str(home), "PREFECT_HOME": str(home / "prefect"), "NO_COLOR": "1"}
        log("starting the local Prefect server (newswatch server start), not timed")
        _command(["server", "start", "--port", "0", "--no-dashboard"], env)
        try:
            databases = iter(range(10_000))

            def replay(rep: int) -> float:
                url = f"sqlite:///{home / f'replay-{next(databases)}.db'}"
                return _command(["replay", str(SEEDS), "--db", url], env)

            def classify(rep: int) -> float:
                return _command(["classify", str(SEEDS)], env)

            replay(-1)
            classify(-1)
            samples, reference = side_by_side(replay, classify, repeat, "warm-replay")
        finally:
            _command(["server", "stop"], env)
    notes = (
        f"`newswatch replay seeds/` ({len(seed_files)} files) into a fresh SQLite file, on the server "
        "`newswatch server start` left running; reference: `newswatch classify seeds/`; whole commands, "
        "interpreter start included"
    )
    return [compared("warm-replay", len(seed_files), samples, reference, 0.0, notes=notes)]
