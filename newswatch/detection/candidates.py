"""Candidate contacts: one official of each side paired with a sentence's contact predicate, and
candidates of the same two people on the same days grouped.

Who takes part is chosen by role, not only by distance: never a spokesperson, a side's defence
official before a president named beside them, not a leader named with their own counterpart,
not an official named after a refusal (the refused contact's).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from newswatch.dates import TIME_ZONE_SLACK, DateMention, find_dates
from newswatch.detection.sentences import Predicate, SentenceFacts
from newswatch.detection.vocabulary import CLAUSE_START, REPORTED_ON
from newswatch.gazetteer import Gazetteer, Mention
from newswatch.model import LEVEL_RANK, Level
from newswatch.text import Sentence


@dataclass
class Candidate:
    """One sentence that states a contact between one official of each side."""

    sentence: Sentence
    participants: tuple[str, str]
    date: DateMention | None
    mode: str
    predicate_start: int = 0
    predicate_text: str = ""
    references: tuple[str, ...] = ()
    named: bool = True


@dataclass
class Group:
    participants: tuple[str, str]
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def first_index(self) -> int:
        return self.candidates[0].sentence.index

    @property
    def date(self) -> DateMention | None:
        dated = [c.date for c in self.candidates if c.date is not None and c.date.precision == "day"]
        return dated[0] if dated else next((c.date for c in self.candidates if c.date), None)


class CandidateFinder:
    """Pairs officials with predicates, by the gazetteer."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def attach(self, facts: SentenceFacts) -> None:
        """The sentence's candidate contacts, held and announced, set on its facts."""
        sentence, anchor, in_scope, refusals = facts.sentence, facts.anchor, facts.in_scope, facts.refusals
        facts.candidates = [
            c for p in facts.predicates if (c := self._candidate(sentence, p, in_scope, facts.dates, anchor, refusals))
        ]
        if facts.planned_predicates:
            ahead = find_dates(sentence.text, anchor, future=True)
            facts.planned = [
                c
                for p in facts.planned_predicates
                if (c := self._candidate(sentence, p, in_scope, ahead, anchor, refusals))
            ]
            # One clause that both announces and reports a contact of the same two people
            # ("…에 만나 회담을 갖는다": meet and will hold talks) is an announcement: the verb
            # that carries the tense may be any of its predicates (fail safe: no held contact).
            # Another clause may report one ("本周通话后，…下周将访问": after this week's call).
            facts.candidates = [c for c in facts.candidates if not self._announced_in_clause(c, facts.planned)]

    def _candidate(
        self,
        sentence: Sentence,
        predicate: Predicate,
        mentions: Sequence[Mention],
        dates: list[DateMention],
        anchor: dt.date,
        refusals: Sequence[re.Pattern[str]] = (),
    ) -> Candidate | None:
        """The official of each side nearest the predicate ("his Chinese counterpart" resolved
        through the other's office), or None when a side is missing."""
        text = sentence.text
        side_a, side_b = self.gazetteer.pair
        chosen: dict[str, Mention] = {}
        # An official named after a refusal that follows the predicate belongs to the refused
        # contact ("The meeting … was notable because Li had refused to meet Austin").
        last = max((m.start for m in mentions), default=0)
        found = [m.start() for p in refusals if last > predicate.end and (m := p.search(text, predicate.end, last))]
        reach = min(found, default=len(text))
        day = anchor
        named = {m.official_id for m in mentions if m.official_id}
        for side in (side_a, side_b):
            other_side = side_b if side == side_a else side_a
            options = [
                m
                for m in mentions
                if m.country == side
                and m.official_id
                and m.start < reach
                and not self.gazetteer.role_on(m.official_id, day)[1].spokesperson
            ]
            # The defence officials of a side, where the sentence names one: a president named
            # beside them is context ("after meeting Dong, Hegseth called President Trump").
            defence = [m for m in options if self.gazetteer.role_on(m.official_id or "", day)[1].defence]
            # Otherwise not a leader or diplomat named with their own counterpart ("the call
            # between Xi and his US counterpart, Trump"): that pair is another contact.
            options = defence or [
                m for m in options if self.gazetteer.counterpart_of(m.official_id or "", other_side, day) not in named
            ]
            if options:
                chosen[side] = min(options, key=lambda m: abs(m.start - predicate.start))
        date = nearest_date(dates, predicate, text)
        for counterpart in (m for m in mentions if m.kind == "counterpart"):
            assert counterpart.country is not None
            other = side_b if counterpart.country == side_a else side_a
            if counterpart.country not in chosen and other in chosen:
                resolved = self.gazetteer.counterpart_of(
                    chosen[other].official_id or "", counterpart.country, date.date if date else anchor
                )
                if resolved:
                    chosen[counterpart.country] = Mention(
                        counterpart.start,
                        counterpart.end,
                        counterpart.text,
                        "counterpart",
                        counterpart.country,
                        resolved,
                    )
        if side_a not in chosen or side_b not in chosen:
            return None
        a, b = chosen[side_a], chosen[side_b]
        return Candidate(
            sentence,
            (a.official_id or "", b.official_id or ""),
            date,
            predicate.mode,
            predicate.start,
            predicate_text=text[predicate.start : predicate.end],
            references=(f"{a.text} → {a.official_id} ({a.kind})", f"{b.text} → {b.official_id} ({b.kind})"),
            named=a.kind in ("name", "surname") and b.kind in ("name", "surname"),
        )

    @staticmethod
    def _announced_in_clause(candidate: Candidate, planned: Sequence[Candidate]) -> bool:
        text = candidate.sentence.text
        for other in planned:
            if other.participants != candidate.participants:
                continue
            start, end = sorted((candidate.predicate_start, other.predicate_start))
            if not CLAUSE_START.search(text, start, end):
                return True
        return False

    def level(self, participants: tuple[str, str], day: dt.date) -> Level | None:
        """The contact's level (the lower of the two), or None when neither side is defence or
        military leadership (leaders, diplomats)."""
        offices = [self.gazetteer.role_on(official_id, day)[1] for official_id in participants]
        if not any(o.defence for o in offices):
            return None
        return min((o.level for o in offices), key=lambda level: LEVEL_RANK[level])


def add_to_groups(groups: dict[tuple[str, str], list[Group]], candidate: Candidate) -> None:
    same = groups.setdefault(candidate.participants, [])
    for group in same:
        known = group.date
        if candidate.date is None or known is None or abs(known.date - candidate.date.date) <= TIME_ZONE_SLACK:
            group.candidates.append(candidate)
            return
    same.append(Group(candidate.participants, [candidate]))


def nearest_date(dates: list[DateMention], predicate: Predicate, text: str = "") -> DateMention | None:
    """The date nearest the predicate, day-precise ones first; the date of a report
    ("the Pentagon said on Wednesday") is not the date of the contact."""
    usable = [d for d in dates if not REPORTED_ON.search(text, max(0, d.start - 30), d.start)]
    precise = [d for d in usable if d.precision == "day"] or usable
    if not precise:
        return None
    return min(precise, key=lambda d: abs(d.start - predicate.end))
