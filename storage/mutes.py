"""Mutes: topics and events the operator silenced, for good or until a time.

Each function takes a Session and never commits; the caller frames the transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from newswatch.model import Mutes
from newswatch.storage._sql import insert_ignore
from newswatch.storage.models import MuteRow, utcnow


class MuteListing(NamedTuple):
    """A mute as the operator sees it."""

    kind: str  # topic | event
    target: str  # the topic id, or the event id
    until: dt.datetime | None  # None: for good
    since: dt.datetime
    active: bool  # still in force


def set_mute(session: Session, kind: str, target: str, until: dt.datetime | None) -> None:
    """Mute a topic or an event (until a time, or for good); muting it again replaces the end."""
    insert_ignore(
        session,
        MuteRow.__table__,
        {"kind": kind, "target": target, "until": until, "created_at": utcnow()},
    )
    row = session.scalars(select(MuteRow).where(MuteRow.kind == kind, MuteRow.target == target)).one()
    row.until = until


def remove_mute(session: Session, kind: str, target: str) -> bool:
    """Unmute; False if it was not muted."""
    row = session.scalars(select(MuteRow).where(MuteRow.kind == kind, MuteRow.target == target)).first()
    if row is None:
        return False
    session.delete(row)
    return True


def active_mutes(session: Session, now: dt.datetime) -> Mutes:
    """The topics and events muted at ``now``."""
    rows = session.execute(
        select(MuteRow.kind, MuteRow.target).where(or_(MuteRow.until.is_(None), MuteRow.until > now))
    ).all()
    return Mutes(
        topics=frozenset(r.target for r in rows if r.kind == "topic"),
        events=frozenset(int(r.target) for r in rows if r.kind == "event"),
    )


def list_mutes(session: Session, now: dt.datetime) -> list[MuteListing]:
    """Every mute, with whether it is still in force at ``now``."""
    rows = session.scalars(select(MuteRow).order_by(MuteRow.kind, MuteRow.target)).all()
    return [
        MuteListing(row.kind, row.target, row.until, row.created_at, row.until is None or row.until > now)
        for row in rows
    ]
