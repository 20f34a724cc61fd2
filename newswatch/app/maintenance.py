"""The database as the operator sees it: bringing it to the latest schema, and telling a
database that refuses to be written from any other error."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from newswatch.errors import NewswatchError
from newswatch.storage.database import open_database, write_refusal


def upgrade_database(url: str) -> str:
    """Create the database at ``url`` or migrate it to the latest schema; returns its URL as
    shown to the operator (the password hidden)."""
    open_database(url)
    return make_url(url).render_as_string(hide_password=True)


def database_refusal(exc: BaseException, url: str) -> NewswatchError | None:
    """``exc`` as one line naming the database at ``url`` if it is that database refusing to be
    written (the driver's error arrives with its statement and parameters); None otherwise."""
    return write_refusal(exc, url)
