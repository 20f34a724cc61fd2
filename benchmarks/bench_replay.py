"""orchestration: the Prefect replay flow against the same steps in a plain loop; memory-replay.

Both replay the same seed files into a fresh SQLite file each repetition (its schema created
before timing): read → classify → store and resolve events → deliver alerts → report. With no
notification URL configured, both deliver to the console channel (this process's stdout, which
the runner discards). The Prefect server is started once, before any timing.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.corpus import generate_corpus, write_seed_files
from benchmarks.harness import (
    PeakMemory,
    Result,
    compared,
    empty_database,
    environment,
    log,
    prefect_server,
    side_by_side,
    timed,
)
from newswatch.app.alerting import deliver_alerts
from newswatch.app.storing import store_classifications
from newswatch.classify import Classifier
from newswatch.environment import ENV_DATABASE_URL
from newswatch.flows.replay import replay
from newswatch.flows.secrets import run_channels
from newswatch.flows.tasks import RunReport, run_report
from newswatch.seeds import read_seed_files
from newswatch.settings import load_settings
from newswatch.storage.database import open_database

ARTICLES = {False: 5000, True: 100}  # full, smoke
WARM_UP = 20


def replay_in_a_loop(folder: Path, database_url: str) -> RunReport:
    """The replay flow's steps as plain function calls (flows/replay.py without Prefect)."""
    settings = load_settings()
    channels = run_channels(settings)
    sessions = open_database(database_url)
    articles, failures = read_seed_files([folder])
    classifier = Classifier(settings)
    classifications = [classifier.classify(article) for article in articles]
    alerts = settings.core.alerts
    stored = store_classifications(sessions, classifications, channels, alerts.notify_planned, alerts.min_level)
    deliveries = deliver_alerts(sessions, channels, settings)
    return run_report(sessions, len(articles) + len(failures), failures, stored, deliveries, channels)


def run(smoke: bool, repeat: int) -> list[Result]:
    settings = load_settings()
    count = ARTICLES[smoke]
    memory = PeakMemory()
    with tempfile.TemporaryDirectory(prefix="nw-bench-replay-") as tmp, prefect_server():
        folder, warm_up = Path(tmp) / "articles", Path(tmp) / "warm-up"
        articles = generate_corpus(settings, count)
        write_seed_files(articles, folder)
        write_seed_files(generate_corpus(settings, WARM_UP, seed=1), warm_up)
        log(f"{count} seed files written; warming up (first flow run, language model)")
        reports: dict[str, RunReport] = {}

        def fresh_database(name: str) -> str:
            return empty_database(f"sqlite:///{tmp}/{name}.db")

        def flow(rep: int) -> float:
            with environment(**{ENV_DATABASE_URL: fresh_database(f"flow-{rep}")}), memory.phase():
                elapsed, reports["flow"] = timed(lambda: replay(paths=[str(folder)]))
            return elapsed

        def loop(rep: int) -> float:
            url = fresh_database(f"loop-{rep}")
            elapsed, reports["loop"] = timed(lambda: replay_in_a_loop(folder, url))
            return elapsed

        with environment(**{ENV_DATABASE_URL: fresh_database("warm-up-flow")}):
            replay(paths=[str(warm_up)])
        replay_in_a_loop(warm_up, fresh_database("warm-up-loop"))
        samples, reference = side_by_side(flow, loop, repeat, "orchestration")

    flow_report, loop_report = reports["flow"], reports["loop"]
    outcome = (
        f"{flow_report.new_articles} articles stored, {len(flow_report.new_events)} new events, "
        f"{len(flow_report.deliveries)} console alerts per run"
    )
    if (flow_report.new_articles, len(flow_report.new_events)) != (
        loop_report.new_articles,
        len(loop_report.new_events),
    ):
        outcome += f" (the loop: {loop_report.new_articles} articles, {len(loop_report.new_events)} new events!)"
    log(outcome)
    notes = f"Prefect server started once, not timed; fresh SQLite per run, schema made before timing; {outcome}"
    return [
        compared("orchestration", count, samples, reference, memory.process_mb, throughput=True, notes=notes),
        compared(
            "memory-replay",
            count,
            samples,
            [],
            memory.phase_mb,
            notes=f"peak RSS during the replay flow runs ({count} articles); the whole benchmark process: {memory.process_mb:.0f} MB",
        ),
    ]
