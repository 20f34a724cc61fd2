"""Shared fixtures: settings, databases (a real SQLite file and a real PostgreSQL), corpora and
local notifier servers; and the ``integration`` mark, set here (see pytest_collection_modifyitems)."""

from __future__ import annotations

import ast
import functools
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
# The labelled development corpus ships beside the checkout; NEWSWATCH_TEST_DEV_CORPUS points elsewhere.
DEV_CORPUS = Path(os.environ.get("NEWSWATCH_TEST_DEV_CORPUS") or REPO.parent / "shared" / "corpus" / "dev")
POSTGRES_URL = os.environ.get("NEWSWATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

# A test is an integration test (`make test-unit` leaves it out) when it uses one of these fixtures,
# runs on PostgreSQL, starts a process (subprocess, in its body or through a helper of its module),
# or is one of the few slow ones listed below.
INTEGRATION_FIXTURES = frozenset(
    {"prefect_server", "postgres_url", "postgres_schema_factory", "feed_site", "json_receiver", "smtp_receiver"}
)
# Unit-looking tests that take 1.5 s or more (measured with --durations).
SLOW_TESTS = frozenset(
    {
        "tests/test_feeds_hostile.py::test_a_50000_entry_feed_is_capped_quietly",
        "tests/test_notify_timeouts.py::test_an_unknown_outcome_is_retried_once_after_the_longest_backoff_then_left_alone",
        "tests/test_hostile_fuzz.py::test_a_mutated_page_becomes_an_article_that_classifies",
        "tests/test_hostile_fuzz.py::test_mutated_articles_are_all_stored_or_reported_one_by_one",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the integration tests, so that nobody has to remember to."""
    for item in items:
        if _is_integration(item):
            item.add_marker(pytest.mark.integration)


def _is_integration(item: pytest.Item) -> bool:
    if INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    callspec = getattr(item, "callspec", None)
    if callspec is not None and callspec.params.get("database_url") == "postgresql":
        return True
    path = Path(item.path)
    function = getattr(item, "originalname", item.name)
    if f"{path.relative_to(REPO).as_posix()}::{function}" in SLOW_TESTS:
        return True
    return function in _tests_starting_processes(path)


@functools.cache
def _tests_starting_processes(path: Path) -> frozenset[str]:
    """The test functions of a module that use ``subprocess``, directly or through module-level
    helper functions that do (a helper calling such a helper counts too)."""
    source = path.read_text(encoding="utf-8")
    functions = [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.FunctionDef)]

    def uses(node: ast.FunctionDef, names: set[str]) -> bool:
        return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))

    starting = {"subprocess"}
    helpers: set[str] = set()
    while True:  # until no more helper is found that calls one found so far
        found = {f.name for f in functions if not f.name.startswith("test") and uses(f, starting | helpers)}
        if found == helpers:
            break
        helpers = found
    return frozenset(f.name for f in functions if f.name.startswith("test") and uses(f, starting | helpers))


def isolated_environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a newswatch subprocess of its own: home, Prefect home, SQLite database
    under ``tmp_path``, no Prefect API (so a local server is started or reused) and no notifier."""
    (tmp_path / "prefect").mkdir(exist_ok=True)
    env = {
        **os.environ,
        "NEWSWATCH_HOME": str(tmp_path / "home"),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "NEWSWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'newswatch.db'}",
        **extra,
    }
    for name in ("PREFECT_API_URL", "NEWSWATCH_NOTIFY"):
        env.pop(name, None)
    return env


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
    from newswatch.storage.database import open_database
    from newswatch.storage.models import AlertRow, ArticleRow, ContactEventRow

    with open_database(url).transaction() as session:
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
