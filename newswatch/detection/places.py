"""Where a contact took place: the article's dateline, a place named after the contact's
predicate, or a configured venue (pure functions)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from newswatch.dates import MONTH_NAMES, WEEKDAY_NAMES
from newswatch.detection.candidates import Group
from newswatch.detection.vocabulary import DATELINE_CITIES, LOCATION_STOP, PLACE_BEFORE
from newswatch.matching import UPPER, compile_guarded
from newswatch.model import Mode
from newswatch.text import Sentence

_PLACE_WORD = rf"[{UPPER}][\w'’-]+"
_IN_PLACE = compile_guarded(rf"(?:{PLACE_BEFORE})(?P<place>{_PLACE_WORD}(?:\s+{_PLACE_WORD}){{0,2}})")
_NOT_PLACES = frozenset([*MONTH_NAMES, *WEEKDAY_NAMES, "The", "A", "An", "His", "Her", "Their", "Its"])
# "WASHINGTON (AP) —", "WASHINGTON, Oct 21 (Reuters) -", "МОСКВА, 13 мая. /ТАСС/.",
# "БЕРН, 18 декабря — РИА Новости.": a city in capitals, perhaps a date, perhaps an agency, then a
# dash (or a Russian agency's /NAME/).
_DATELINE = re.compile(
    rf"\A(?P<city>[{UPPER}][{UPPER}.'’ -]{{2,}}?)(?:,\s*[\w.]+(?:\s+[\w.]+){{0,2}})?\s*"
    r"(?:\([^)]*\)\s*[—–-]{1,2}\s|[—–-]{1,2}\s|\.?\s*/[^/\n]{1,40}/\.?\s)"
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
    if city.upper() in _DATELINE_NOT_PLACES:
        return text[match.end() :], None
    return text[match.end() :], english_place(city)


def english_place(place: str) -> str | None:
    """A place's English name: as the lexicons name it ("Берне" → Bern); a Latin-script place as
    written; None for another script's place no lexicon names (an inflected form, a building)."""
    named = DATELINE_CITIES.get(place) or DATELINE_CITIES.get(place.title())
    if named:
        return named
    return place if all(not c.isalpha() or c.isascii() or "\u00c0" <= c <= "\u024f" for c in place) else None


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
            place = english_place(match.group("place"))
            if (
                place
                and place.split()[0] not in _NOT_PLACES
                and not any(w in place for w in ("Command", "Ministry", "Department"))
            ):
                return place
    lead_text = " ".join(s.text for s in sentences if s.paragraph <= sentences[0].paragraph + 1)
    for venue, city in venues.items():
        if venue.lower() in " ".join(texts).lower() or venue.lower() in lead_text.lower():
            return city
    if mode == "meeting" and dateline_city and abs((anchor - day).days) <= 2:
        return dateline_city
    return None
