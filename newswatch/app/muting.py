"""Muting a topic or an event (it is still monitored and stored, nothing is sent about it),
unmuting it, and listing the mutes."""

from __future__ import annotations

import datetime as dt

from newswatch.storage import events, mutes
from newswatch.storage.database import Database
from newswatch.storage.mutes import MuteListing

__all__ = ["MuteListing", "list_mutes", "mute_event", "mute_topic", "unmute"]


def mute_topic(db: Database, topic: str, until: dt.datetime | None) -> None:
    """Mute a topic until ``until`` (None: for good); muting it again replaces the end."""
    with db.transaction() as session:
        mutes.set_mute(session, "topic", topic, until)


def mute_event(db: Database, event_id: int, until: dt.datetime | None) -> bool:
    """Mute an event's follow-ups until ``until`` (None: for good); False if there is no such event."""
    with db.transaction() as session:
        if not events.event_exists(session, event_id):
            return False
        mutes.set_mute(session, "event", str(event_id), until)
        return True


def unmute(db: Database, kind: str, target: str) -> bool:
    """Unmute a topic or an event (``kind``); False if it was not muted."""
    with db.transaction() as session:
        return mutes.remove_mute(session, kind, target)


def list_mutes(db: Database, now: dt.datetime) -> list[MuteListing]:
    """Every mute, with whether it is still in force at ``now``."""
    with db.transaction() as session:
        return mutes.list_mutes(session, now)
