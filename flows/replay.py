"""The replay flow: seed-format files → classify → store and resolve events → alert.

Secrets stay out of flow parameters (Prefect stores them): the database URL and notification
URLs come from the environment and the configuration, resolved inside the flow.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from newswatch.app import open_database
from newswatch.environment import database_url
from newswatch.flows.secrets import run_channels
from newswatch.flows.tasks import (
    RunReport,
    classify_each_article,
    flow_settings,
    run_report,
    send_alerts,
    store_results,
)
from newswatch.model import Article, ReadFailure
from newswatch.seeds import nothing_readable, read_seed_files


@task(cache_policy=NO_CACHE)
def read_articles(paths: list[str]) -> tuple[list[Article], list[ReadFailure]]:
    """Read seed-format files and folders; a bad file (any exception reading it) is reported,
    the others are read."""
    return read_seed_files(Path(p) for p in paths)


@flow(name="newswatch-replay", log_prints=False, validate_parameters=True)
def replay(paths: list[str], config_dir: str | None = None) -> RunReport:
    """Replay seed-format article files through classification, storage and alerting.

    Args:
        paths: seed files or folders of them (``*.txt``).
        config_dir: a folder of configuration overrides (see newswatch.settings).
    """
    settings = flow_settings(config_dir)
    channels = run_channels(settings)
    db = open_database(database_url(None))
    articles, failures = read_articles(paths)
    if not articles:  # (the command line checks this first; a deployment's run fails here)
        raise nothing_readable(paths, failures)
    # quote(): Prefect would otherwise walk every article, classification and setting of these
    # arguments looking for upstream futures (about a second per thousand articles); none are in them.
    classifications, unclassified = classify_each_article(quote(articles), quote(settings))  # type: ignore[call-overload]  # Prefect unwraps quote()
    # An article that cannot be stored comes back with its error: run_report counts it a failure.
    stored = store_results(db, quote(classifications), channels, quote(settings))  # type: ignore[call-overload]  # Prefect unwraps quote()
    deliveries = send_alerts(db, quote(settings), channels)  # type: ignore[call-overload]  # Prefect unwraps quote()
    return run_report(db, len(articles) + len(failures), [*failures, *unclassified], stored, deliveries, channels)
