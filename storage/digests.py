"""Digests: each period's digest, stored once as composed, so that every worker and every
channel sends the same one.

Each function takes a Session and never commits; the caller frames the transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newswatch.storage._sql import insert_ignore
from newswatch.storage.models import DigestRow, utcnow


class StoredDigest(NamedTuple):
    """A stored digest: its id, and its content as composed (``Digest.as_json``)."""

    id: int
    content: dict[str, Any]


def last_digest_until(session: Session) -> dt.datetime | None:
    """Where the latest digest ended: the next one starts there."""
    return session.scalar(select(func.max(DigestRow.until)))


def find_digest(session: Session, period: str) -> StoredDigest | None:
    """The digest of a period, if composed."""
    row = session.execute(select(DigestRow.id, DigestRow.content).where(DigestRow.period == period)).first()
    return StoredDigest(row.id, row.content) if row else None


def digest_content(session: Session, digest_id: int) -> dict[str, Any]:
    """A stored digest's content, as composed."""
    row = session.get(DigestRow, digest_id)
    assert row is not None
    return row.content


def store_digest(
    session: Session, period: str, since: dt.datetime, until: dt.datetime, content: dict[str, Any]
) -> StoredDigest:
    """Store the period's digest unless another worker already did; returns the stored one."""
    insert_ignore(
        session,
        DigestRow.__table__,
        {"period": period, "since": since, "until": until, "content": content, "created_at": utcnow()},
    )
    stored = find_digest(session, period)
    assert stored is not None
    return stored
