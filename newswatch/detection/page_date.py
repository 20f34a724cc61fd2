"""Whether a page's date can anchor its text: a copy re-dated by a content farm, or stamped
when it was crawled, names an official in an office whose tenure had ended by that date; its
"Thursday" is not counted from the page's date, and its contact took place in that tenure.
Pure functions over the article's sentences and the gazetteer.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from newswatch.dates import DateMention
from newswatch.detection.sentences import names_in
from newswatch.gazetteer import Gazetteer, Mention, SentenceHits
from newswatch.text import Sentence


@dataclass(frozen=True)
class PastTitle:
    """An office a text gives a named official who held it only before the text's page date."""

    office_id: str
    official_id: str
    since: dt.date  # the tenure the text was written in
    until: dt.date


# Before a title: it is a former holder's ("former chairman", "then-Defense Secretary", "前防长").
_FORMER_BEFORE = re.compile(
    r"\b(?:former|then|ex|retired|outgoing|late|previous)[\s-]+(?:\S+\s+){0,3}$|前任?$|原$", re.I
)


def titled_before(
    gazetteer: Gazetteer, text: str, names: list[Mention], hits: SentenceHits, day: dt.date
) -> list[PastTitle]:
    """Offices a sentence gives, in the present, to a named official whose tenure in them
    ended before ``day`` ("Chairman of the Joint Chiefs Gen. Charles Q. Brown" on a page dated
    after his term): the text was written during that tenure, not on ``day``. A former holder
    ("former chairman", "then-chairman", "前主席") is not one."""
    found: list[PastTitle] = []
    for start, end, (office_ids, _) in hits.titles:
        name = gazetteer.described_name(text, start, end, names)
        if name is None or name.official_id is None or _FORMER_BEFORE.search(text, max(0, start - 25), start):
            continue
        roles = [r for r in gazetteer.officials[name.official_id].roles if r.office in office_ids]
        if any(r.to is None or r.to >= day for r in roles):
            continue  # in office on the day (or later): the page's date may be right
        found.extend(PastTitle(r.office, name.official_id, r.from_, r.to) for r in roles if r.to is not None)
    return found


def find_past_titles(
    gazetteer: Gazetteer, sentences: Sequence[Sentence], hits: Sequence[SentenceHits], day: dt.date
) -> list[PastTitle]:
    """The offices the article gives named officials whose tenure in them ended before its date
    ``day`` (see titled_before), and whose holder on ``day`` it does not name: a page
    re-dated or copied long after it was written. (An article that names the holder on its date
    knows who it is: its predecessor, titled, is history.)"""
    names = {
        index: names_in(gazetteer, sentence, sentence_hits)
        for index, (sentence, sentence_hits) in enumerate(zip(sentences, hits, strict=True))
        if sentence_hits.names
    }
    named = {m.official_id for mentions in names.values() for m in mentions}
    return [
        past
        for index, mentions in names.items()
        if hits[index].titles
        for past in titled_before(gazetteer, sentences[index].text, mentions, hits[index], day)
        if not any(holder.id in named for holder in gazetteer.holders(past.office_id, day))
    ]


def written_between(past_titles: Sequence[PastTitle], participants: Sequence[str]) -> tuple[dt.date, dt.date] | None:
    """When a contact's text was written, by the offices it gives the contact's participants
    whose tenure had ended by its page's date: within each of those tenures (None: the page's
    date is not contradicted; an office given to someone else may be history the text recalls)."""
    past_titles = [p for p in past_titles if p.official_id in participants]
    if not past_titles:
        return None
    since, until = max(p.since for p in past_titles), min(p.until for p in past_titles)
    if since > until:  # tenures that never overlapped: the latest one ended last
        latest = max(past_titles, key=lambda p: p.until)
        since, until = latest.since, latest.until
    return since, until


def date_stands(date: DateMention | None, written: tuple[dt.date, dt.date]) -> bool:
    """Whether a contact's date stands on a page written between ``written`` but dated later (a
    copy re-dated by a content farm, a page stamped when crawled): a date with its year stated,
    in that window; any other was resolved against the wrong date ("Thursday" counted back from
    the page's date)."""
    return date is not None and not date.relative and written[0] <= date.date <= written[1]
