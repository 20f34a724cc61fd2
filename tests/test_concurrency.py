"""Two `newswatch replay` processes at once against the same database store each article once,
each event once, and send each alert once per URL."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from newswatch.storage.database import Database, create_db_engine, open_database
from newswatch.storage.models import AlertRow, ArticleRow, ContactEventRow
from tests.conftest import SEEDS, stored_totals
from tests.notifier_servers import JsonReceiver

OWN_CORPUS = Path(__file__).parent / "corpus"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_replays_at_once_store_and_alert_everything_exactly_once(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, json_receiver: JsonReceiver
) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    open_database(url)  # migrate once, as `newswatch db upgrade` would before starting workers
    processes = []
    for worker in range(2):
        env = {
            **os.environ,
            "NEWSWATCH_DATABASE_URL": url,
            "NEWSWATCH_NOTIFY": json_receiver.url,
            "PREFECT_HOME": str(tmp_path / f"prefect-{worker}"),
        }
        env.pop("PREFECT_API_URL", None)
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "newswatch", "replay", str(SEEDS), str(OWN_CORPUS)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    outputs = [p.communicate(timeout=300) for p in processes]
    for process, (_, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr

    articles, events, statuses = stored_totals(url)
    alerts = list(statuses.elements())
    assert articles == len(list(SEEDS.glob("*.txt"))) + len(list(OWN_CORPUS.glob("*.txt")))
    assert events == 12  # the seeds' two events are among the own corpus's twelve
    assert len(alerts) == events and set(alerts) == {"sent"}
    titles = Counter(m["title"] for m in json_receiver.wait_for(events, timeout=30))
    assert len(titles) == events and set(titles.values()) == {1}, titles


def test_workers_resolving_the_same_contacts_at_the_same_instant_make_one_event_each(
    database_url: str, classifier
) -> None:
    """Four workers store the same reports at once, released by a barrier: the advisory lock
    (PostgreSQL) or the immediate transaction (SQLite) keeps events and alerts single."""
    import threading

    from newswatch.app.storing import store_classifications
    from newswatch.notify import Channel
    from newswatch.seeds import read_seed_files

    articles, _ = read_seed_files([SEEDS, OWN_CORPUS])
    classified = [classifier.classify(a) for a in articles]
    open_database(database_url)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            sessions = Database(create_db_engine(database_url))  # migrated above
            barrier.wait(timeout=60)
            store_classifications(sessions, classified, [Channel("c" * 16, "json://127.0.0.1/x")])
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert errors == []
    sessions = open_database(database_url)
    with sessions.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ArticleRow)) == len(articles)
        assert (
            session.scalar(
                select(func.count())
                .select_from(ContactEventRow)
                .where(ContactEventRow.level == "senior", ContactEventRow.status == "held")
            )
            == 12
        )
        assert session.scalar(select(func.count()).select_from(AlertRow)) == 12


def test_workers_storing_the_same_articles_in_opposite_orders_do_not_wait_on_each_other(postgres_url: str) -> None:
    """Two workers insert the same articles (two feeds carrying the same stories), one in the
    other's reverse order, at the same instant. Each inserted rows the other then wanted and
    waited on them in a circle (PostgreSQL: "deadlock detected", 2,000 articles); a batch now
    locks its articles' refs and contents first, in one order, and the second worker finds
    them stored."""
    import datetime as dt
    import threading

    from newswatch.model import Article
    from newswatch.storage.articles import StoredRow, store_articles

    articles = [
        Article(
            f"https://example.org/story-{n}", dt.date(2026, 1, 5), f"Story {n}, as the wire told it.", source="feed"
        )
        for n in range(2000)
    ]
    open_database(postgres_url)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    stored: dict[str, list[StoredRow]] = {}

    def work(name: str, batch: list[Article]) -> None:
        try:
            sessions = Database(create_db_engine(postgres_url))
            barrier.wait(timeout=60)
            with sessions.transaction() as session:
                rows = store_articles(session, batch, [None] * len(batch))
            stored[name] = rows if name == "forward" else rows[::-1]
        except BaseException as exc:
            errors.append(exc)

    workers = [
        threading.Thread(target=work, args=args) for args in (("forward", articles), ("reverse", articles[::-1]))
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert errors == [], errors
    assert stored_totals(postgres_url)[0] == len(articles)
    forward, reverse = stored["forward"], stored["reverse"]
    assert [row.id for row in forward] == [row.id for row in reverse]  # one row per article
    assert all(a.new != b.new for a, b in zip(forward, reverse, strict=True))  # stored by one of them


def test_workers_storing_the_same_contacts_in_opposite_orders_do_not_wait_on_each_other(
    postgres_url: str, classifier
) -> None:
    """Two workers store different articles reporting the same contacts, one in the other's
    reverse order, at the same instant. Locked one contact at a time, each held a lock the other
    wanted (PostgreSQL: "deadlock detected", found by the workers benchmark); a batch now locks
    all its officials first, in one order."""
    import dataclasses
    import threading

    from newswatch.app.storing import store_classifications
    from newswatch.seeds import read_seed_files

    articles, _ = read_seed_files([SEEDS, OWN_CORPUS])
    classified = [c for c in (classifier.classify(a) for a in articles) if c.contact is not None]
    copies = [
        dataclasses.replace(
            c,
            article=dataclasses.replace(
                c.article, ref=f"{c.article.ref}-wire", text=f"{c.article.text}\n\nDistributed by a wire service."
            ),
        )
        for c in classified
    ]
    open_database(postgres_url)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(batch: list) -> None:
        try:
            sessions = Database(create_db_engine(postgres_url))
            barrier.wait(timeout=60)
            store_classifications(sessions, batch, [])
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(order,)) for order in (classified, copies[::-1])]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert errors == [], errors
    _, events, _ = stored_totals(postgres_url)
    assert events == 12
