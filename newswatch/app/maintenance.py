"""The database as the operator sees it: checking its URL before a run, bringing it to the
latest schema, opening it only if it exists, and telling a database that refuses to be written
from any other error."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from newswatch.errors import NewswatchError
from newswatch.storage.database import Database, DatabaseMissing, check_database_url, open_database, write_refusal

__all__ = ["DatabaseMissing", "check_database_url", "database_refusal", "open_existing_database", "upgrade_database"]

# What to do about a database that is not there yet, said where a reading command meets one.
FILL_IT_FIRST = "run `newswatch replay seeds/` or `newswatch run` first"


def upgrade_database(url: str) -> str:
    """Create the database at ``url`` or migrate it to the latest schema; returns its URL as
    shown to the operator (the password hidden)."""
    open_database(url)
    return make_url(url).render_as_string(hide_password=True)


def open_existing_database(url: str) -> Database:
    """The database at ``url``, migrated to the latest schema, never created: a SQLite file that
    is not there (a mistyped path, a first day) is one line saying so and what to run first.

    Raises:
        DatabaseMissing: no SQLite file at the URL's path (nothing, not even its folder, was created).
    """
    try:
        return open_database(url, create=False)
    except DatabaseMissing as exc:
        raise DatabaseMissing(f"{exc}; {FILL_IT_FIRST}") from None


def database_refusal(exc: BaseException, url: str) -> NewswatchError | None:
    """``exc`` as one line naming the database at ``url`` if it is that database refusing to be
    written (the driver's error arrives with its statement and parameters); None otherwise."""
    return write_refusal(exc, url)
