"""Sentence facts: what each sentence of an article says, before anyone is paired.

For each sentence, its references to officials (names, surnames, titles, "his Chinese
counterpart", resolved through the gazetteer), the countries it names, and its contact
predicates ("spoke by video", "held talks", "met", "told Y"), each kept, announced or set aside
(refused, a forum, an earlier contact, a condition). Pure functions over the sentence text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from newswatch.dates import TIME_ZONE_SLACK, DateMention, find_dates
from newswatch.detection.vocabulary import (
    BACKGROUND_TAIL,
    CLAUSE_START,
    CONDITIONS_AFTER,
    CONDITIONS_BY_LANGUAGE,
    EARLIER,
    FORUMS_AFTER,
    HEADLINE_INFINITIVE,
    INFINITIVE,
    OBJECT_PREDICATES,
    OBJECT_WINDOW,
    PLANS_AFTER,
    PLANS_BY_LANGUAGE,
    PREDICATES,
    REFUSALS_AFTER,
    REFUSALS_BY_LANGUAGE,
)
from newswatch.gazetteer import Gazetteer, Mention, SentenceHits
from newswatch.matching import SPACELESS, PatternFilter
from newswatch.text import Sentence, verbatim_spans

if TYPE_CHECKING:
    from newswatch.detection.candidates import Candidate

LEAD_MIN_WORDS = 20  # a shorter paragraph is a headline, a kicker or page furniture, not the lead

# A name that qualifies a government, not its holder: "a Biden administration official", "拜登政府".
_GOVERNMENT_AFTER = re.compile(
    r"(?:['’]s)?[\s-]+(?:administration|government|era|White House|campaign|cabinet)\b|政府|当局", re.IGNORECASE
)


def words(text: str) -> int:
    """Words in a text; in Chinese and Japanese, written without spaces, two characters count as one."""
    if text.isascii() or not SPACELESS.search(text):
        return text.count(" ") + 1
    return len(text.split()) + len(SPACELESS.findall(text)) // 2


@dataclass(frozen=True)
class Predicate:
    start: int
    end: int
    mode: str


@dataclass
class SentenceFacts:
    """What one sentence says."""

    sentence: Sentence
    predicates: list[Predicate]
    countries: set[str]
    officials: set[str]
    anchor: dt.date
    # (set by read_sentence) the predicates it announces, the references before a background
    # tail, and whether a refusal may follow a predicate. (Empty tuples by default: most
    # sentences have none, and four new lists a sentence cost more than the rest of them.)
    planned_predicates: Sequence[Predicate] = ()
    in_scope: Sequence[Mention] = ()
    refusals: tuple[re.Pattern[str], ...] = ()
    # (set by the candidates stage) its candidate contacts, held and announced
    candidates: Sequence[Candidate] = ()
    planned: Sequence[Candidate] = ()

    @cached_property
    def dates(self) -> list[DateMention]:
        """The sentence's dates; found when first asked for (most sentences state no contact,
        and their dates matter only to a later sentence of the paragraph that has none)."""
        return find_dates(self.sentence.text, self.anchor)


# What each sentence is screened for, in one pass over the article (see PatternFilter): the
# predicates (by their index in PREDICATES), "told" and the background tail. Most sentences
# of an article about officials have none of them, and need no more than the screen.
_OBJECT_SCREENS = range(len(PREDICATES), len(PREDICATES) + len(OBJECT_PREDICATES))
_TAIL_SCREEN = _OBJECT_SCREENS.stop
_SENTENCE_SCREEN = PatternFilter(
    [*(pattern for _, pattern in PREDICATES), *(pattern for _, pattern in OBJECT_PREDICATES), BACKGROUND_TAIL]
)


# A capitalised predicate word in a forum's name, not a contact: "Dialogue" ("Shangri-La
# Dialogue"), or any after a plural possessive ("Defence Ministers' Meeting", "Leaders' Talks")
# or before "-Plus" ("Meeting-Plus").
_FORUM_BEFORE = re.compile(r"\b[A-Z][\w-]*s['’]\s+$")
_FORUM_AFTER = re.compile(r"-[Pp]lus\b")


def _in_forum_name(text: str, match: re.Match[str]) -> bool:
    word = match.group(0)
    return word[0].isupper() and (
        word == "Dialogue"
        or bool(_FORUM_BEFORE.search(text, 0, match.start()))
        or bool(_FORUM_AFTER.match(text, match.end()))
    )


def screen(text: str, sentences: Sequence[Sentence]) -> list[set[int]]:
    """Per sentence, the indexes of the screened patterns that may match it (a superset)."""
    spans = verbatim_spans(sentences)
    if spans is None:
        return [set(_SENTENCE_SCREEN.candidates(sentence.text)) for sentence in sentences]
    return _SENTENCE_SCREEN.candidates_in_spans(text, spans)


def find_predicates(text: str, screen: set[int]) -> list[Predicate]:
    """The sentence's contact predicates; ``screen``: what may match it (see screen)."""
    found: list[Predicate] = []
    for index in sorted(i for i in screen if i < len(PREDICATES)):
        mode, pattern = PREDICATES[index]
        for match in pattern.finditer(text):
            if any(p.start < match.end() and match.start() < p.end for p in found) or _in_forum_name(text, match):
                continue
            found.append(Predicate(match.start(), match.end(), mode))
    return sorted(found, key=lambda p: p.start)


@dataclass(frozen=True)
class Blockers:
    """The blocker patterns that can match a sentence at all (see PatternFilter), found once for
    all its predicates; refusals, conditions and plans a pattern per language."""

    refusals: tuple[re.Pattern[str], ...] = ()
    conditions: tuple[re.Pattern[str], ...] = ()
    plans: tuple[re.Pattern[str], ...] = ()
    after: tuple[tuple[str, re.Pattern[str]], ...] = ()  # (why, pattern) after the predicate
    forums: bool = False
    earlier: bool = False


_AFTER_KINDS = ("refused", "conditional", "planned")  # after the predicate: checked in this order
_BLOCKER_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    *(("refusals", p) for p in REFUSALS_BY_LANGUAGE),
    *(("conditions", p) for p in CONDITIONS_BY_LANGUAGE),
    *(("plans", p) for p in PLANS_BY_LANGUAGE),
    ("refused", REFUSALS_AFTER),
    ("conditional", CONDITIONS_AFTER),
    ("planned", PLANS_AFTER),
    ("forums", FORUMS_AFTER),
    ("earlier", EARLIER),
)
_BLOCKER_FILTER = PatternFilter([pattern for _, pattern in _BLOCKER_PATTERNS])


def blockers_in(text: str) -> Blockers:
    """The blockers that can match ``text``."""
    found: dict[str, list[re.Pattern[str]]] = {}
    for index in _BLOCKER_FILTER.candidates(text):
        kind, pattern = _BLOCKER_PATTERNS[index]
        found.setdefault(kind, []).append(pattern)
    return Blockers(
        refusals=tuple(found.get("refusals", ())),
        conditions=tuple(found.get("conditions", ())),
        plans=tuple(found.get("plans", ())),
        after=tuple((why, pattern) for why in _AFTER_KINDS for pattern in found.get(why, ())),
        forums="forums" in found,
        earlier="earlier" in found,
    )


_AFTER_REACH = 100


_SENTENCE_END = (".", "!", "?", "。", "！", "？")
_CLOSING = "\"”’')）」』"


def is_headline(text: str) -> bool:
    """A headline: short, and not ended as a sentence is (a quoted headline, "…회동\"", is not)."""
    return words(text) < LEAD_MIN_WORDS and not text.rstrip().rstrip(_CLOSING).endswith(_SENTENCE_END)


def clause_breaks(text: str) -> list[tuple[int, int]]:
    """Where the sentence's clauses start (the span of each clause start), found once."""
    return [m.span() for m in CLAUSE_START.finditer(text)]


def blocker(
    text: str,
    predicate: Predicate,
    possible: Blockers | None = None,
    breaks: Sequence[tuple[int, int]] | None = None,
) -> str | None:
    """Why a predicate is not a contact that took place: refused, a forum, an earlier one,
    conditional or planned.

    ``possible``: the sentence's ``blockers_in``, and ``breaks`` its ``clause_breaks``, when
    known (found once for all its predicates).
    """
    if possible is None:
        possible = blockers_in(text)
    if any(pattern.search(text, 0, predicate.end) for pattern in possible.refusals):
        return "refused"
    if possible.forums and FORUMS_AFTER.match(text, predicate.end):
        return "forum"
    if breaks is None:
        breaks = clause_breaks(text)
    if possible.after:
        clause_end = next((start for start, _ in breaks if start >= predicate.end), len(text))
        after_end = min(clause_end, predicate.end + _AFTER_REACH)
        for why, pattern in possible.after:
            if pattern.search(text, predicate.end, after_end):
                return why
    if INFINITIVE.search(text, max(0, predicate.start - 40), predicate.start) or (
        is_headline(text) and HEADLINE_INFINITIVE.search(text, 0, predicate.start)
    ):
        return "planned"
    if not (possible.conditions or possible.plans or possible.earlier):
        return None
    clause_start = max((end for _, end in breaks if end <= predicate.start), default=0)
    clause = text[clause_start : predicate.end]
    if possible.earlier and EARLIER.search(clause):
        return "earlier"
    if any(pattern.search(clause) for pattern in possible.conditions):
        return "conditional"
    if any(pattern.search(clause) for pattern in possible.plans):
        return "planned"
    return None


def same_time(mention: DateMention, day: dt.date) -> bool:
    """Whether a date expression can refer to ``day`` (within a day, a week or the same month)."""
    if mention.precision == "month":
        return (mention.date.year, mention.date.month) == (day.year, day.month)
    slack = TIME_ZONE_SLACK if mention.precision == "day" else dt.timedelta(days=7)
    return abs(mention.date - day) <= slack


def names_in(gazetteer: Gazetteer, sentence: Sentence, hits: SentenceHits) -> list[Mention]:
    """The sentence's full names of officials, not those qualifying a government."""
    text = sentence.text
    return [m for m in gazetteer.find_names(text, hits) if not _GOVERNMENT_AFTER.match(text, m.end)]


def find_mentions(
    gazetteer: Gazetteer,
    sentences: Sequence[Sentence],
    hits: Sequence[SentenceHits],
    countries: Sequence[set[str]],
    day: dt.date,
    past_holders: Mapping[str, str] | None = None,
) -> list[list[Mention]]:
    """Per sentence, the resolved references to officials (order of appearance).

    A title resolves to its holder on ``day``, unless the article gives that office to a named
    official whose tenure had ended by then (``past_holders``: office id → official id, see
    ``page_date``): the name says when the text was written, and the title is theirs."""
    # (most sentences refer to no one: no calls for them)
    names = [names_in(gazetteer, s, h) if h.names else [] for s, h in zip(sentences, hits, strict=True)]
    past_holders = past_holders or {}

    def title_holder(title: Mention) -> str | None:
        named = [past_holders[o] for o in title.office_ids if o in past_holders]
        return named[0] if named else gazetteer.resolve_title(title, day)

    ranked = [
        gazetteer.find_ranked_surnames(s.text, day, h) if h.surnames else []
        for s, h in zip(sentences, hits, strict=True)
    ]
    titles = [
        gazetteer.find_titles(s.text, n, h) if h.titles or h.counterparts else []
        for s, n, h in zip(sentences, names, hits, strict=True)
    ]
    resolved_titles: list[list[Mention]] = []
    for sentence_titles in titles:
        resolved_titles.append(
            [Mention(t.start, t.end, t.text, t.kind, t.country, title_holder(t), t.office_ids) for t in sentence_titles]
        )
    article_countries = set().union(*countries)
    # Who is named where, for surnames: the nearest full reference before, else after.
    named_at: dict[str, list[int]] = {}
    for index, group in enumerate(names + ranked + resolved_titles):
        for mention in group:
            if mention.official_id and mention.kind != "counterpart":
                named_at.setdefault(mention.official_id, []).append(index % len(sentences))
    result: list[list[Mention]] = []
    for index, sentence in enumerate(sentences):
        mentions = [*names[index], *ranked[index], *resolved_titles[index]]
        taken = [(m.start, m.end) for m in mentions]
        for start, end, surname, ids in gazetteer.find_surnames(hits[index]):
            if any(s < end and start < e for s, e in taken):
                continue
            if re.match(r"['’]s\s+(?:predecessor|successor)", sentence.text[end:]):
                continue
            if _GOVERNMENT_AFTER.match(sentence.text, end):
                continue
            introduced = ids & set(named_at)
            if introduced:  # the nearest full reference before, else after
                official = gazetteer.officials[
                    min(
                        introduced,
                        key=lambda i: min((index - at if at <= index else 1000 + at - index) for at in named_at[i]),
                    )
                ]
            else:
                # Never introduced ("Austin and Adm. Dong discussed…"): the one senior defence
                # office holder of that name on the day, in an article about that country.
                holder = gazetteer.senior_defence_holder(surname, day)
                if holder is None or holder.country not in article_countries:
                    continue
                official = holder
            mentions.append(Mention(start, end, surname, "surname", official.country, official.id))
        result.append(sorted(mentions, key=lambda m: m.start))
    return result


def read_sentence(
    sentence: Sentence, mentions: list[Mention], countries: set[str], anchor: dt.date, screen: set[int]
) -> SentenceFacts:
    """What one sentence says: its live and planned predicates, the countries and officials it
    refers to, and its dates (when asked for). ``screen``: see screen()."""
    countries = countries | {m.country for m in mentions if m.country}
    if not screen:  # no predicate, "told", "hosted" or background tail: most sentences
        return SentenceFacts(sentence, [], countries, {m.official_id for m in mentions if m.official_id}, anchor)
    text = sentence.text
    tail = BACKGROUND_TAIL.search(text) if _TAIL_SCREEN in screen else None
    limit = tail.start() if tail else len(text)
    found = [p for p in find_predicates(text, screen) if p.end <= limit]
    # "X told Y", "X hosted Y": a contact only if Y, right after the word, is an official.
    for screen_index, (mode, pattern) in zip(_OBJECT_SCREENS, OBJECT_PREDICATES, strict=True):
        for match in pattern.finditer(text[:limit]) if screen_index in screen else ():
            after = [m for m in mentions if match.end() <= m.start < match.end() + OBJECT_WINDOW]
            between = text[match.end() : after[0].start] if after else ""
            if after and after[0].official_id and re.fullmatch(r"[\s\w.,'’-]*", between):
                found.append(Predicate(match.start(), match.end(), mode))
    possible = blockers_in(text) if found else Blockers()
    breaks = clause_breaks(text) if found else []
    blockers = [blocker(text, p, possible, breaks) for p in found]
    predicates = [p for p, why in zip(found, blockers, strict=True) if why is None]
    planned = [p for p, why in zip(found, blockers, strict=True) if why == "planned"]
    in_scope = [m for m in mentions if m.start < limit]
    facts = SentenceFacts(
        sentence=sentence,
        predicates=predicates,
        countries=countries,
        officials={m.official_id for m in in_scope if m.official_id},
        anchor=anchor,
    )
    facts.planned_predicates = planned
    facts.in_scope = in_scope
    facts.refusals = possible.refusals
    return facts
