"""A re-dated page (a copy stamped long after it was written) stored: it never alerts twice."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlalchemy import func, select

from newswatch.app.storing import store_classifications
from newswatch.model import Classification
from newswatch.storage.database import open_database
from newswatch.storage.models import AlertRow
from tests.test_storage import CHANNELS, _article, _contact


def _alerts(database_url: str) -> int:
    with open_database(database_url).transaction() as session:
        return session.scalar(select(func.count()).select_from(AlertRow)) or 0


def test_a_re_dated_copy_joins_its_event_or_is_recorded_without_an_alert(database_url: str) -> None:
    # A page whose text puts the call in a tenure that ended before its page's date (a copy
    # re-dated by a content farm): when it took place is known only to that window.
    window = (dt.date(2023, 12, 1), dt.date(2024, 11, 30))
    redated = replace(_contact("2024-11-30", "phone_call"), date_is_explicit=False, date_window=window)
    first = Classification(_article("call.txt", "the call", "2024-04-17"), (), _contact("2024-04-16", "video_call"))
    copy = Classification(_article("copy.txt", "the copy", "2025-04-12"), (), redated)
    sessions = open_database(database_url)
    call, joined = store_classifications(sessions, [first, copy], CHANNELS[:1])
    assert joined.event_id == call.event_id and not joined.new_event
    assert _alerts(database_url) == 1  # the call's, once

    # With no event of theirs in the window: stored as an event of its own, and no alert.
    later_window = replace(redated, date_window=(dt.date(2024, 6, 1), dt.date(2024, 11, 30)))
    other = Classification(_article("other.txt", "another copy", "2025-04-13"), (), later_window)
    (recorded,) = store_classifications(sessions, [other], CHANNELS[:1])
    assert recorded.event_id not in (None, call.event_id) and not recorded.new_event
    assert _alerts(database_url) == 1
