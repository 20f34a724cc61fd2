"""Event resolution rules (pure): when two reports are the same contact, and how a report
refines a known event."""

from __future__ import annotations

import datetime as dt

from newswatch.records import Contact

# Both sides' readouts of one call: Beijing's date can be a day later than Washington's.
EVENT_DATE_TOLERANCE = dt.timedelta(days=1)
# An announced meeting and the report that it was held: announced dates slip, or were never given.
PLANNED_TOLERANCE = dt.timedelta(days=7)
_MODE_SPECIFICITY = {"unspecified": 0, "meeting": 1, "phone_call": 1, "video_call": 2}


def modes_compatible(known: str, reported: str) -> bool:
    """Same mode, or one unspecified; a phone call and a video call may be one call misreported."""
    if "unspecified" in (known, reported) or known == reported:
        return True
    return {known, reported} == {"phone_call", "video_call"}


def same_event(known_date: dt.date, known_mode: str, contact: Contact) -> bool:
    """Whether a report of ``contact`` is a report of the known event (participants already equal)."""
    return abs(known_date - contact.date) <= EVENT_DATE_TOLERANCE and modes_compatible(known_mode, contact.mode)


def refined(
    known_date: dt.date, known_mode: str, known_location: str | None, contact: Contact
) -> tuple[dt.date, str, str | None]:
    """The event's date, mode and location after a new report: more precise, never less."""
    mode = contact.mode if _MODE_SPECIFICITY[contact.mode] > _MODE_SPECIFICITY[known_mode] else known_mode
    location = known_location or contact.location
    date = contact.date if contact.date_is_explicit and contact.date < known_date else known_date
    return date, mode, location
