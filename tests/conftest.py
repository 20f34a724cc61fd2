"""Shared fixtures: settings, databases (a real SQLite file and a real PostgreSQL), corpora and
local notifier servers."""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError

from newswatch.classify import Classifier
from newswatch.settings import Settings, load_settings
from tests.feed_site import feed_site  # noqa: F401 - fixture
from tests.notifier_servers import json_receiver, smtp_receiver  # noqa: F401 - fixtures

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
DEV_CORPUS = REPO.parent / "shared" / "corpus" / "dev"
POSTGRES_URL = os.environ.get("NEWSWATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def config_folder(folder: Path, **sections: dict[str, Any]) -> Path:
    """A config folder whose newswatch.yaml is the shipped one with these sections updated."""
    shipped = yaml.safe_load((resources.files("newswatch.config") / "newswatch.yaml").read_text(encoding="utf-8"))
    for name, values in sections.items():
        shipped.setdefault(name, {}).update(values)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "newswatch.yaml").write_text(yaml.safe_dump(shipped, allow_unicode=True), encoding="utf-8")
    return folder


def stored_totals(url: str) -> tuple[int, int, Counter[str]]:
    """What a database holds after a run: articles, senior contacts held, alert statuses."""
    from newswatch.storage.database import open_database, transaction
    from newswatch.storage.models import AlertRow, ArticleRow, ContactEventRow

    with transaction(open_database(url)) as session:
        articles = session.scalar(select(func.count()).select_from(ArticleRow)) or 0
        events = session.scalar(
            select(func.count())
            .select_from(ContactEventRow)
            .where(ContactEventRow.status == "held", ContactEventRow.level == "senior")
        )
        return articles, events or 0, Counter(session.scalars(select(AlertRow.status)))


def with_alert_settings(settings: Settings, **alerts: Any) -> Settings:
    """The settings with some ``alerts:`` values changed."""
    core = settings.core.model_copy(update={"alerts": settings.core.alerts.model_copy(update=alerts)})
    return settings.model_copy(update={"core": core})


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="session")
def classifier(settings: Settings) -> Classifier:
    return Classifier(settings)


@pytest.fixture(scope="session")
def dev_corpus() -> tuple[Path, dict[str, dict]]:
    """The labelled development corpus beside the checkout (absent in a user's clone)."""
    labels = DEV_CORPUS / "labels.json"
    if not labels.is_file():
        pytest.skip(f"development corpus not found at {DEV_CORPUS} (it ships beside the checkout, not in it)")
    return DEV_CORPUS, json.loads(labels.read_text(encoding="utf-8"))


def _postgres_available() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.connect():
            pass
        engine.dispose()
        return None
    except OperationalError as exc:
        return str(exc.orig).strip().splitlines()[0]


@pytest.fixture(scope="session")
def postgres_status() -> str | None:
    return _postgres_available()


@pytest.fixture
def postgres_url(postgres_status: str | None) -> Iterator[str]:
    """A PostgreSQL URL whose tables live in a fresh schema, dropped afterwards."""
    if postgres_status is not None:
        message = (
            f"PostgreSQL not reachable at {POSTGRES_URL} ({postgres_status}); start it "
            "(pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set "
            "NEWSWATCH_TEST_POSTGRES_URL"
        )
        if os.environ.get("NEWSWATCH_REQUIRE_POSTGRES"):
            pytest.fail(message)
        pytest.skip(message)
    schema = f"nw_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def postgres_schema_factory(postgres_url: str) -> Iterator[Callable[[], str]]:
    """More fresh PostgreSQL schemas for one test (beside postgres_url's), all dropped afterwards."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    schemas: list[str] = []

    def make() -> str:
        schema = f"nw_test_{uuid.uuid4().hex[:12]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        schemas.append(schema)
        return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"

    yield make
    with admin.connect() as connection:
        for schema in schemas:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on a real SQLite file and on a real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'newswatch.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'newswatch.db'}"


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One temporary Prefect server (SQLite) for the test session, its state in a temp folder;
    started only when a test needs flows. Yields its API URL, for subprocesses."""
    home = tmp_path_factory.mktemp("prefect")
    patch = pytest.MonkeyPatch()
    patch.setenv("PREFECT_HOME", str(home))
    patch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    patch.setenv("DO_NOT_TRACK", "1")
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        from prefect.settings import PREFECT_API_URL

        yield str(PREFECT_API_URL.value())
    patch.undo()
