"""Connecting to the database and bringing its schema up to date with Alembic."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.util import asbool

from newswatch.errors import StorageError

if TYPE_CHECKING:  # (Alembic is imported where a schema is checked or migrated: checking a URL needs none of it)
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Page cache per connection (SQLite's default is 2 MiB). A store of millions of articles has
# indexes of hundreds of MB: in 2 MiB, even their interior pages are read again for nearly every
# near-duplicate probe and every insert into a random key (content hash, GUID). 64 MiB keeps the
# interior pages and the recent leaves; SQLite only fills what it reads.
SQLITE_CACHE_KIB = 65_536
# Why a database refuses a write, by the driver's error code rather than its wording: SQLite's
# primary result codes, PostgreSQL's SQLSTATEs (25006 read_only_sql_transaction, 53100 disk_full).
SQLITE_WRITE_REFUSED = {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_FULL, sqlite3.SQLITE_PERM}
POSTGRES_WRITE_REFUSED = {"25006", "53100"}


def write_refusal(exc: BaseException, url: str | URL) -> StorageError | None:
    """``exc`` as one line naming the database when it is the database refusing to be written
    (a read-only file, folder, mount or session; a full disk), not the statement and its
    parameters; None for any other error.

    The error itself is raised as it is, through the run: storage code tells a database that
    cannot be written (the run ends) from a row it refuses (that item fails) by its type.
    """
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    code = getattr(orig, "sqlite_errorcode", None)
    refused = (
        code & 0xFF in SQLITE_WRITE_REFUSED
        if code is not None
        else getattr(orig, "sqlstate", None) in POSTGRES_WRITE_REFUSED
    )
    if not refused:
        return None
    lines = str(orig).strip().splitlines()
    reason = lines[0] if lines else type(orig).__name__
    return StorageError(f"cannot write to the database {make_url(url).render_as_string(hide_password=True)}: {reason}")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event open transactions, so they can be IMMEDIATE (below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    # Write-ahead log: a commit appends the changed pages instead of first copying every page it
    # will change, which in a large database (scattered index pages) is most of a commit's cost;
    # readers also no longer wait for a writer.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
    # What SQLite lacks for near-duplicate lookups (a bit count), so that it returns only the
    # near-duplicates among the candidates (storage.articles.near_duplicates_of).
    dbapi_connection.create_function("differing_bits", 2, _differing_bits, deterministic=True)


def _differing_bits(first: int, second: int) -> int:
    """How many bits of two 64-bit integers differ (SQL function ``differing_bits``). Here, not
    newswatch.dedup's: every command opens a database, and dedup loads numpy and trafilatura."""
    return ((first ^ second) & 0xFFFF_FFFF_FFFF_FFFF).bit_count()


def _sqlite_begin_immediate(connection: Any) -> None:
    """Take SQLite's write lock when a transaction begins, not at its first write: two processes
    then never both read "no such event" and both create it (PostgreSQL uses an advisory lock)."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class DatabaseMissing(StorageError):
    """A command that only reads was given a SQLite file that does not exist (it is not created)."""


def _path_hint(url: str) -> str:
    """The "did you mean sqlite:///…?" hint when ``url`` looks like a file path rather than a URL."""
    if "://" not in url and ("/" in url or url.endswith((".db", ".sqlite", ".sqlite3"))):
        return f"; did you mean sqlite:///{url}?"
    return ""


def parse_database_url(url: str) -> URL:
    """``url`` parsed, with the driver newswatch uses for PostgreSQL (psycopg 3).

    Raises:
        StorageError: not a database URL (a file path is answered with the ``sqlite:///`` URL meant).
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageError(f"not a database URL: {url!r}{_path_hint(url)}") from None
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def sqlite_file(parsed: URL) -> Path | None:
    """The file a SQLite URL names; None for another database, memory, or a ``file:…`` URI
    (which names a file to open as it is)."""
    if parsed.get_backend_name() != "sqlite" or asbool(parsed.query.get("uri", False)):
        return None
    if not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).expanduser()


def _nearest_existing(folder: Path) -> Path:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def check_database_url(url: str) -> None:
    """Check, without connecting or creating anything, that ``url`` is a database URL whose
    driver is installed and, for a SQLite file not there yet, that its folder can be created.

    Raises:
        StorageError: naming the URL and what is wrong with it.
    """
    parsed = parse_database_url(url)
    shown = parsed.render_as_string(hide_password=True)
    try:
        create_engine(parsed).dispose()  # loads the dialect and its driver; connects to nothing
    except (ArgumentError, ImportError) as exc:
        raise StorageError(f"cannot use database {shown}: {exc}") from None
    file = sqlite_file(parsed)
    if file is not None and not file.parent.is_dir():
        existing = _nearest_existing(file.parent.absolute())
        if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
            raise StorageError(f"cannot create the database {file}: {existing} is not a folder it can be created in")


def create_db_engine(url: str, *, create: bool = True) -> Engine:
    """An engine for ``url``; foreign keys are enforced. A SQLite file's folder is created, or
    with ``create=False`` the file must exist already.

    Raises:
        StorageError: the URL is malformed or names a driver that is not installed.
        DatabaseMissing: ``create=False`` and the SQLite file does not exist.
    """
    parsed = parse_database_url(url)
    try:
        file = sqlite_file(parsed)
        if file is not None and not create and not file.is_file():
            raise DatabaseMissing(f"no database at {file}")
        if file is not None:
            file.parent.mkdir(parents=True, exist_ok=True)
        if parsed.get_backend_name() == "sqlite":
            engine = create_engine(parsed)
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin_immediate)
            return engine
        return create_engine(parsed, pool_pre_ping=True)
    except (ArgumentError, ImportError) as exc:
        raise StorageError(f"cannot use database {parsed.render_as_string(hide_password=True)}: {exc}") from None


def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


# Flows started together (serve's monitor and digest) open a new database at once: one process
# migrates at a time, and a migration that fails because another process has just run it is done.
_MIGRATING = threading.Lock()


def _at_head(engine: Engine, config: Config) -> bool:
    """Whether the database's schema is at the latest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
    except SQLAlchemyError:
        return False
    return set(current) == set(ScriptDirectory.from_config(config).get_heads())


# The latest migration's revision (tests/test_migrations.py checks it against Alembic's head): a
# database already there is opened without loading Alembic and its scripts (a third of a second).
SCHEMA_HEAD = "0013"


def _recorded_revision(engine: Engine) -> str | None:
    """The one revision the database records as applied, or None (none, several, no table, no access)."""
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    except SQLAlchemyError:
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def upgrade_schema(engine: Engine) -> None:
    """Run every pending Alembic migration.

    Raises:
        StorageError: the database cannot be reached, written or migrated.
    """
    if _recorded_revision(engine) == SCHEMA_HEAD:
        return
    from alembic import command

    logging.getLogger("alembic").setLevel(logging.WARNING)
    config = _alembic_config(engine)
    try:
        with _MIGRATING:
            try:
                command.upgrade(config, "head")
            except SQLAlchemyError:
                if not _at_head(engine, config):  # (not another process's migration, just done)
                    raise
    except SQLAlchemyError as exc:
        refused = write_refusal(exc, engine.url)
        if refused is not None:
            raise refused from exc
        shown = engine.url.render_as_string(hide_password=True)
        if isinstance(exc, OperationalError):
            raise StorageError(f"cannot reach database {shown}: {' '.join(str(exc.orig).split())}") from None
        raise StorageError(f"cannot migrate database {shown}: {exc}") from None


class Database:
    """An open database: the sessions its transactions run in.

    ``bind`` is an engine, or a connection whose transaction the sessions join (a benchmark's
    outer transaction, rolled back after it).
    """

    def __init__(self, bind: Engine | Connection, **session_options: Any) -> None:
        self.sessions: sessionmaker[Session] = sessionmaker(bind, expire_on_commit=False, **session_options)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error."""
        with self.sessions() as session, session.begin():
            yield session


def open_database(url: str, *, create: bool = True) -> Database:
    """Connect, and migrate the schema to the latest version; with ``create=False`` a SQLite file
    that does not exist is an error (``DatabaseMissing``), not a new empty database."""
    engine = create_db_engine(url, create=create)
    upgrade_schema(engine)
    return Database(engine)
