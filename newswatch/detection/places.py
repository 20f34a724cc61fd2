"""Where a contact took place: the article's dateline, a place named after the contact's
predicate, or a configured venue (pure functions)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from newswatch.dates import MONTH_NAMES, WEEKDAY_NAMES
from newswatch.detection.candidates import Group
from newswatch.detection.vocabulary import DATELINE_CITIES, LOCATION_STOP
from newswatch.matching import compile_guarded
from newswatch.model import Mode
from newswatch.text import Sentence

_IN_PLACE = compile_guarded(r"\b(?:in|at) (?P<place>(?:[A-Z][\w'’-]+)(?:\s+[A-Z][\w'’-]+){0,2})")
_NOT_PLACES = frozenset([*MONTH_NAMES, *WEEKDAY_NAMES, "The", "A", "An", "His", "Her", "Their", "Its"])
_DATELINE = re.compile(
    r"\A(?P<city>[A-ZÀ-Ý][A-ZÀ-Ý.'’ -]{2,}?)(?:,\s*[A-Z][\w.]*(?:\s+\d{1,2})?)?\s*(?:\([^)]*\))?\s*[—–-]{1,2}\s"
)
_DATELINE_NOT_PLACES = frozenset({"ANALYSIS", "COMMENTARY", "OPINION", "EDITORIAL", "UPDATE", "EXCLUSIVE"})
# "新华社北京4月17日电" / "新华社北京4月17日电（记者某某）": agency, city, date of filing.
_CJK_DATELINE = re.compile(
    r"\A(?:新华社|中新社|人民日报|央视新闻)?(?P<city>[\u4e00-\u9fff]{2,4}?)\d{1,2}月\d{1,2}日电(?:（[^）]*）)?\s*"
)


def strip_dateline(text: str) -> tuple[str, str | None]:
    """The text without its dateline ("WASHINGTON (AP) —", "新华社北京4月17日电"), and the
    dateline's city (none for a label such as "ANALYSIS —")."""
    cjk = _CJK_DATELINE.match(text)
    if cjk:
        city = cjk.group("city").removeprefix("新华社")
        return text[cjk.end() :], DATELINE_CITIES.get(city)
    match = _DATELINE.match(text)
    if not match:
        return text, None
    city = match.group("city").strip().title()
    return text[match.end() :], None if city.upper() in _DATELINE_NOT_PLACES else city


def contact_location(
    group: Group,
    sentences: Sequence[Sentence],
    mode: Mode,
    dateline_city: str | None,
    day: dt.date,
    anchor: dt.date,
    venues: dict[str, str],
) -> str | None:
    """Where a met contact took place: a place named after its predicate ("in Kuala Lumpur"),
    a configured venue named in its sentences or the lead, or the dateline's city for a meeting
    reported within two days; none for calls."""
    if mode in ("phone_call", "video_call"):
        return None
    texts = [c.sentence.text for c in group.candidates]
    for candidate in group.candidates:
        text = candidate.sentence.text
        stop = LOCATION_STOP.search(text, candidate.predicate_start)
        for match in _IN_PLACE.finditer(text, candidate.predicate_start, stop.start() if stop else len(text)):
            place = match.group("place")
            if place.split()[0] not in _NOT_PLACES and not any(
                w in place for w in ("Command", "Ministry", "Department")
            ):
                return place
    lead_text = " ".join(s.text for s in sentences if s.paragraph <= sentences[0].paragraph + 1)
    for venue, city in venues.items():
        if venue.lower() in " ".join(texts).lower() or venue.lower() in lead_text.lower():
            return city
    if mode == "meeting" and dateline_city and abs((anchor - day).days) <= 2:
        return dateline_city
    return None
