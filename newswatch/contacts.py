"""Detecting a high-level military contact in an article (pure functions).

A contact is a call, video call, meeting or visit that took place between a senior official of
each tracked country, at least one of them defence or military leadership. The detector works
sentence by sentence:

1. find references to officials (names, surnames, titles, "his Chinese counterpart");
2. find contact predicates ("spoke by video", "held talks", "met", "told") that are not refused,
   planned, hypothetical or mere handshakes;
3. a sentence with a predicate and one official of each side is a candidate; candidates with
   the same participants and dates within a day form a group;
4. the article reports a contact only if its lead is about one: a group with evidence in the
   first paragraph, or a lead that speaks of a contact between the two countries and a group
   in the next paragraphs that names its participants. Contacts mentioned only further down,
   as background, are not the article's contact.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from newswatch.dates import MONTH_NAMES, WEEKDAY_NAMES, DateMention, find_dates
from newswatch.gazetteer import Gazetteer, Mention, SentenceHits
from newswatch.lexicon import PREDICATE_MODES, load_lexicon
from newswatch.matching import SPACELESS, PatternFilter, compile_guarded
from newswatch.records import LEVEL_RANK, Article, Contact, Level, Mode, Participant
from newswatch.scripts import fold_traditional
from newswatch.text import Sentence, split_article, verbatim_spans

_LEXICON = load_lexicon()  # the vocabulary of every language: config/lexicon/<lang>.yaml


def _vocabulary(category: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """A lexicon category's fragments of every language, as one guarded pattern; text is read with
    traditional Chinese characters folded to simplified ones, and so are the fragments."""
    return compile_guarded(fold_traditional(_LEXICON.alternation(category)), flags)


# Contact predicates, each with the mode it implies ("call" is a call of unknown kind).
_PREDICATES: list[tuple[str, re.Pattern[str]]] = [(mode, _vocabulary(mode)) for mode in PREDICATE_MODES]
# "X told Y", "X hosted Y": a contact (of the mode given) only if an official follows the word.
_OBJECT_PREDICATES = (("unspecified", _vocabulary("told")), ("meeting", _vocabulary("hosted")))
_OBJECT_WINDOW = 60  # characters between "told" and the official it was told to

# Words that make a predicate something other than a contact that took place. Refusals block a
# predicate anywhere before it in the sentence; plans, hopes and conditions only within its clause
# ("Dong told Austin that the PLA will not stand by, according to an account of their video call").
_REFUSALS = _vocabulary("refusals")
# Plans: the contact is announced, not held ("will meet", "expected to sit down", "将于").
_PLANS = _vocabulary("plans")
# Conditions and wishes: nothing happened and nothing is set ("could meet", "hopes to talk").
_CONDITIONS = _vocabulary("conditions")
_CLAUSE_START = _vocabulary("clause_starts", 0)
# Where the place of a meeting can no longer be stated: "…on Friday, a day after X met Y in Busan".
_LOCATION_STOP = _vocabulary("location_stops", 0)
# Text after these words speaks of an earlier contact ("the first meeting since Austin sat down
# with Wei"): predicates and officials there are background.
_BACKGROUND_TAIL = _vocabulary("background_tail")
_REPORTED_ON = _vocabulary("reported_on")
_IN_PLACE = compile_guarded(r"\b(?:in|at) (?P<place>(?:[A-Z][\w'’-]+)(?:\s+[A-Z][\w'’-]+){0,2})")
_NOT_PLACES = frozenset([*MONTH_NAMES, *WEEKDAY_NAMES, "The", "A", "An", "His", "Her", "Their", "Its"])
_DATELINE = re.compile(
    r"\A(?P<city>[A-ZÀ-Ý][A-ZÀ-Ý.'’ -]{2,}?)(?:,\s*[A-Z][\w.]*(?:\s+\d{1,2})?)?\s*(?:\([^)]*\))?\s*[—–-]{1,2}\s"
)
_DATELINE_NOT_PLACES = frozenset({"ANALYSIS", "COMMENTARY", "OPINION", "EDITORIAL", "UPDATE", "EXCLUSIVE"})
LEAD_MIN_WORDS = 20  # a shorter paragraph is a headline, a kicker or page furniture, not the lead
_HEADLINE_REACH = 6  # paragraphs before the lead that can be its headline and subheadline
# A contact reported below the lead counts when its sentence dates it this close before the article.
_LATER_CONTACT_REACH = dt.timedelta(days=3)


# A name that qualifies a government, not its holder: "a Biden administration official", "拜登政府".
_GOVERNMENT_AFTER = re.compile(
    r"(?:['’]s)?[\s-]+(?:administration|government|era|White House|campaign|cabinet)\b|政府|当局", re.IGNORECASE
)


def _words(text: str) -> int:
    """Words in a text; in Chinese and Japanese, written without spaces, two characters count as one."""
    if text.isascii() or not SPACELESS.search(text):
        return text.count(" ") + 1
    return len(text.split()) + len(SPACELESS.findall(text)) // 2


_MODE_RANK = {"video_call": 4, "phone_call": 3, "meeting": 2, "call": 1, "unspecified": 0}


@dataclass(frozen=True)
class Detection:
    """What the detector found in an article."""

    contact: Contact | None
    names_both_sides: bool  # it refers to a defence official of each tracked country


@dataclass(frozen=True)
class _Predicate:
    start: int
    end: int
    mode: str


@dataclass
class _Candidate:
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
class _SentenceFacts:
    sentence: Sentence
    predicates: list[_Predicate]
    countries: set[str]
    officials: set[str]
    anchor: dt.date
    candidates: list[_Candidate] = field(default_factory=list)
    planned: list[_Candidate] = field(default_factory=list)

    @cached_property
    def dates(self) -> list[DateMention]:
        """The sentence's dates; found when first asked for (most sentences state no contact,
        and their dates matter only to a later sentence of the paragraph that has none)."""
        return find_dates(self.sentence.text, self.anchor)


@dataclass
class _Group:
    participants: tuple[str, str]
    candidates: list[_Candidate] = field(default_factory=list)

    @property
    def first_index(self) -> int:
        return self.candidates[0].sentence.index

    @property
    def date(self) -> DateMention | None:
        dated = [c.date for c in self.candidates if c.date is not None and c.date.precision == "day"]
        return dated[0] if dated else next((c.date for c in self.candidates if c.date), None)


# What each sentence is screened for, in one pass over the article (see PatternFilter): the
# predicates (by their index in _PREDICATES), "told" and the background tail. Most sentences
# of an article about officials have none of them, and need no more than the screen.
_OBJECT_SCREENS = range(len(_PREDICATES), len(_PREDICATES) + len(_OBJECT_PREDICATES))
_TAIL_SCREEN = _OBJECT_SCREENS.stop
_SENTENCE_SCREEN = PatternFilter(
    [*(pattern for _, pattern in _PREDICATES), *(pattern for _, pattern in _OBJECT_PREDICATES), _BACKGROUND_TAIL]
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


def _screen(text: str, sentences: Sequence[Sentence]) -> list[set[int]]:
    """Per sentence, the indexes of the screened patterns that may match it (a superset)."""
    spans = verbatim_spans(sentences)
    if spans is None:
        return [set(_SENTENCE_SCREEN.candidates(sentence.text)) for sentence in sentences]
    return _SENTENCE_SCREEN.candidates_in_spans(text, spans)


def _find_predicates(text: str, screen: set[int]) -> list[_Predicate]:
    """The sentence's contact predicates; ``screen``: what may match it (see _screen)."""
    found: list[_Predicate] = []
    for index in sorted(i for i in screen if i < len(_PREDICATES)):
        mode, pattern = _PREDICATES[index]
        for match in pattern.finditer(text):
            if any(p.start < match.end() and match.start() < p.end for p in found) or _in_forum_name(text, match):
                continue
            found.append(_Predicate(match.start(), match.end(), mode))
    return sorted(found, key=lambda p: p.start)


# The same, right after the predicate, where verb-final languages put them ("会談する予定",
# "회담할 예정", "the meeting will be his first"): in the predicate's clause within _AFTER_REACH
# characters of its end.
_REFUSALS_AFTER = _vocabulary("refusals_after")
_CONDITIONS_AFTER = _vocabulary("conditions_after")
_PLANS_AFTER = _vocabulary("plans_after")
_AFTER_REACH = 100
_FORUMS_AFTER = _vocabulary("forums_after")
_EARLIER = _vocabulary("earlier")
_BLOCKERS = (
    _REFUSALS,
    _CONDITIONS,
    _PLANS,
    _REFUSALS_AFTER,
    _CONDITIONS_AFTER,
    _PLANS_AFTER,
    _FORUMS_AFTER,
    _EARLIER,
)
_BLOCKER_FILTER = PatternFilter(_BLOCKERS)
_AFTER = (("refused", _REFUSALS_AFTER), ("conditional", _CONDITIONS_AFTER), ("planned", _PLANS_AFTER))


# Right before a predicate, an infinitive or a future announces it ("wanted to talk to", "he'll
# meet"); in a headline, an infinitive anywhere before it does ("Pentagon chief to travel to
# Asia, sit down with…"), since headlines report in the present tense.
_INFINITIVE = _vocabulary("infinitives")
_HEADLINE_INFINITIVE = _vocabulary("headline_infinitives", 0)
_SENTENCE_END = (".", "!", "?", "。", "！", "？")
_CLOSING = "\"”’')）」』"


def _is_headline(text: str) -> bool:
    """A headline: short, and not ended as a sentence is (a quoted headline, "…회동\"", is not)."""
    return _words(text) < LEAD_MIN_WORDS and not text.rstrip().rstrip(_CLOSING).endswith(_SENTENCE_END)


def _clause_breaks(text: str) -> list[tuple[int, int]]:
    """Where the sentence's clauses start (the span of each clause start), found once."""
    return [m.span() for m in _CLAUSE_START.finditer(text)]


def _blocker(
    text: str,
    predicate: _Predicate,
    possible: Sequence[re.Pattern[str]] = _BLOCKERS,
    breaks: Sequence[tuple[int, int]] | None = None,
) -> str | None:
    """Why a predicate is not a contact that took place: refused, a forum, an earlier one,
    conditional or planned.

    ``possible``: the blocker patterns that can match the sentence at all (see PatternFilter);
    ``breaks``: the sentence's ``_clause_breaks``, when known.
    """
    if _REFUSALS in possible and _REFUSALS.search(text, 0, predicate.end):
        return "refused"
    if _FORUMS_AFTER in possible and _FORUMS_AFTER.match(text, predicate.end):
        return "forum"
    if breaks is None:
        breaks = _clause_breaks(text)
    after = [(why, p) for why, p in _AFTER if p in possible]
    if after:
        clause_end = next((start for start, _ in breaks if start >= predicate.end), len(text))
        after_end = min(clause_end, predicate.end + _AFTER_REACH)
        for why, pattern in after:
            if pattern.search(text, predicate.end, after_end):
                return why
    if _INFINITIVE.search(text, max(0, predicate.start - 40), predicate.start) or (
        _is_headline(text) and _HEADLINE_INFINITIVE.search(text, 0, predicate.start)
    ):
        return "planned"
    if _CONDITIONS not in possible and _PLANS not in possible and _EARLIER not in possible:
        return None
    clause_start = max((end for _, end in breaks if end <= predicate.start), default=0)
    clause = text[clause_start : predicate.end]
    if _EARLIER in possible and _EARLIER.search(clause):
        return "earlier"
    if _CONDITIONS in possible and _CONDITIONS.search(clause):
        return "conditional"
    if _PLANS in possible and _PLANS.search(clause):
        return "planned"
    return None


def _same_time(mention: DateMention, day: dt.date) -> bool:
    """Whether a date expression can refer to ``day`` (within a day, a week or the same month)."""
    if mention.precision == "month":
        return (mention.date.year, mention.date.month) == (day.year, day.month)
    slack = 1 if mention.precision == "day" else 7
    return abs((mention.date - day).days) <= slack


# "新华社北京4月17日电" / "新华社北京4月17日电（记者某某）": agency, city, date of filing.
_CJK_DATELINE = re.compile(
    r"\A(?:新华社|中新社|人民日报|央视新闻)?(?P<city>[\u4e00-\u9fff]{2,4}?)\d{1,2}月\d{1,2}日电(?:（[^）]*）)?\s*"
)
_CJK_CITIES = _LEXICON.dateline_cities  # dateline city → its English name (zh.yaml)


def _confidence(in_lead: bool, named: bool, exact_date: bool, mode_stated: bool, sentences: int) -> float:
    """How sure the detector is, from how directly the article states the contact."""
    score = 0.5 + 0.2 * in_lead + 0.1 * named + 0.1 * exact_date + 0.05 * mode_stated + 0.05 * (sentences > 1)
    return round(min(score, 1.0), 2)


def _rules(candidates: Sequence[_Candidate]) -> tuple[str, ...]:
    """What matched: the predicates and how each participant was recognised."""
    found = [f"predicate “{c.predicate_text}” ({c.mode})" for c in candidates]
    found += [reference for c in candidates for reference in c.references]
    return tuple(dict.fromkeys(found))


def _strip_dateline(text: str) -> tuple[str, str | None]:
    cjk = _CJK_DATELINE.match(text)
    if cjk:
        city = cjk.group("city").removeprefix("新华社")
        return text[cjk.end() :], _CJK_CITIES.get(city)
    match = _DATELINE.match(text)
    if not match:
        return text, None
    city = match.group("city").strip().title()
    return text[match.end() :], None if city.upper() in _DATELINE_NOT_PLACES else city


class ContactDetector:
    """Finds the contact an article reports, using the gazetteer and the configured venues."""

    def __init__(self, gazetteer: Gazetteer, venues: dict[str, str], recency_days: int = 30) -> None:
        self.gazetteer = gazetteer
        self.venues = venues
        self.recency_days = recency_days

    # --- references to officials -------------------------------------------------------

    def _mentions(
        self, sentences: Sequence[Sentence], hits: Sequence[SentenceHits], countries: Sequence[set[str]], day: dt.date
    ) -> list[list[Mention]]:
        """Per sentence, the resolved references to officials (order of appearance)."""
        gazetteer = self.gazetteer
        # (most sentences refer to no one: no calls for them)
        names = [
            [m for m in gazetteer.find_names(s.text, h) if not _GOVERNMENT_AFTER.match(s.text, m.end)]
            if h.names
            else []
            for s, h in zip(sentences, hits, strict=True)
        ]
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
                [
                    Mention(t.start, t.end, t.text, t.kind, t.country, gazetteer.resolve_title(t, day), t.office_ids)
                    for t in sentence_titles
                ]
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

    # --- candidates ----------------------------------------------------------------------

    def _analyse(
        self, sentence: Sentence, mentions: list[Mention], countries: set[str], anchor: dt.date, screen: set[int]
    ) -> _SentenceFacts:
        """What one sentence says: its live and planned predicates, the countries and officials it
        refers to, its dates and its candidate contacts. ``screen``: see _screen."""
        countries = countries | {m.country for m in mentions if m.country}
        if not screen:  # no predicate, "told", "hosted" or background tail: most sentences
            return _SentenceFacts(sentence, [], countries, {m.official_id for m in mentions if m.official_id}, anchor)
        text = sentence.text
        tail = _BACKGROUND_TAIL.search(text) if _TAIL_SCREEN in screen else None
        limit = tail.start() if tail else len(text)
        found = [p for p in _find_predicates(text, screen) if p.end <= limit]
        # "X told Y", "X hosted Y": a contact only if Y, right after the word, is an official.
        for screen_index, (mode, pattern) in zip(_OBJECT_SCREENS, _OBJECT_PREDICATES, strict=True):
            for match in pattern.finditer(text[:limit]) if screen_index in screen else ():
                after = [m for m in mentions if match.end() <= m.start < match.end() + _OBJECT_WINDOW]
                between = text[match.end() : after[0].start] if after else ""
                if after and after[0].official_id and re.fullmatch(r"[\s\w.,'’-]*", between):
                    found.append(_Predicate(match.start(), match.end(), mode))
        possible = [_BLOCKERS[i] for i in _BLOCKER_FILTER.candidates(text)] if found else []
        breaks = _clause_breaks(text) if found else []
        blockers = [_blocker(text, p, possible, breaks) for p in found]
        refusals = _REFUSALS in possible
        predicates = [p for p, why in zip(found, blockers, strict=True) if why is None]
        planned = [p for p, why in zip(found, blockers, strict=True) if why == "planned"]
        in_scope = [m for m in mentions if m.start < limit]
        facts = _SentenceFacts(
            sentence=sentence,
            predicates=predicates,
            countries=countries,
            officials={m.official_id for m in in_scope if m.official_id},
            anchor=anchor,
        )
        facts.candidates = [
            c for p in predicates if (c := self._candidate(sentence, p, in_scope, facts.dates, anchor, refusals))
        ]
        if planned:
            ahead = find_dates(text, anchor, future=True)
            facts.planned = [
                c for p in planned if (c := self._candidate(sentence, p, in_scope, ahead, anchor, refusals))
            ]
            # One clause that both announces and reports a contact of the same two people
            # ("…에 만나 회담을 갖는다": meet and will hold talks) is an announcement: the verb
            # that carries the tense may be any of its predicates (fail safe: no held contact).
            # Another clause may report one ("本周通话后，…下周将访问": after this week's call).
            facts.candidates = [c for c in facts.candidates if not self._announced_in_clause(c, facts.planned)]
        return facts

    def _candidate(
        self,
        sentence: Sentence,
        predicate: _Predicate,
        mentions: list[Mention],
        dates: list[DateMention],
        anchor: dt.date,
        refusals: bool = True,
    ) -> _Candidate | None:
        """The official of each side nearest the predicate ("his Chinese counterpart" resolved
        through the other's office), or None when a side is missing."""
        text = sentence.text
        side_a, side_b = self.gazetteer.pair
        chosen: dict[str, Mention] = {}
        # An official named after a refusal that follows the predicate belongs to the refused
        # contact ("The meeting … was notable because Li had refused to meet Austin").
        last = max((m.start for m in mentions), default=0)
        refusal = _REFUSALS.search(text, predicate.end, last) if refusals and last > predicate.end else None
        reach = refusal.start() if refusal else len(text)
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
        date = self._nearest_date(dates, predicate, text)
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
        return _Candidate(
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
    def _announced_in_clause(candidate: _Candidate, planned: Sequence[_Candidate]) -> bool:
        text = candidate.sentence.text
        for other in planned:
            if other.participants != candidate.participants:
                continue
            start, end = sorted((candidate.predicate_start, other.predicate_start))
            if not _CLAUSE_START.search(text, start, end):
                return True
        return False

    @staticmethod
    def _nearest_date(dates: list[DateMention], predicate: _Predicate, text: str = "") -> DateMention | None:
        """The date nearest the predicate, day-precise ones first; the date of a report
        ("the Pentagon said on Wednesday") is not the date of the contact."""
        usable = [d for d in dates if not _REPORTED_ON.search(text, max(0, d.start - 30), d.start)]
        precise = [d for d in usable if d.precision == "day"] or usable
        if not precise:
            return None
        return min(precise, key=lambda d: abs(d.start - predicate.end))

    def _level(self, participants: tuple[str, str], day: dt.date) -> Level | None:
        """The contact's level (the lower of the two), or None when neither side is defence or
        military leadership (leaders, diplomats)."""
        offices = [self.gazetteer.role_on(official_id, day)[1] for official_id in participants]
        if not any(o.defence for o in offices):
            return None
        return min((o.level for o in offices), key=lambda level: LEVEL_RANK[level])

    # --- the article -----------------------------------------------------------------------

    def detect(self, article: Article) -> Contact | None:
        """The contact the article reports, or None."""
        return self.analyse(article).contact

    def analyse(self, article: Article) -> Detection:
        """The contact the article reports, if any, and whether it names both sides' officials.

        Args:
            article: the article; its publication date anchors relative dates.

        Returns:
            The contact with its date, mode, participants, location and evidence sentences, and
            whether the article refers to a defence official of each tracked country.
        """
        body, dateline_city = _strip_dateline(article.text)
        references = self.gazetteer.references(body)
        pair = set(self.gazetteer.pair)
        if not pair <= self.gazetteer.sides_referenced(references):
            # A contact needs an official of each side: most news refers to neither, or to one.
            return Detection(None, names_both_sides=False)
        sentences = split_article(body)
        hits = self.gazetteer.scan(sentences, references)
        countries = [{code for _, _, code in h.countries} for h in hits]
        mentions = self._mentions(sentences, hits, countries, article.published)
        if not pair <= {m.country for ms in mentions for m in ms}:
            return Detection(None, names_both_sides=False)
        officials = {m.official_id for ms in mentions for m in ms if m.official_id}
        defence_sides = {
            self.gazetteer.officials[o].country
            for o in officials
            if self.gazetteer.role_on(o, article.published)[1].defence
        }
        contact = self._contact(article, sentences, mentions, countries, dateline_city, _screen(body, sentences))
        return Detection(contact, names_both_sides=pair <= defence_sides)

    def _contact(
        self,
        article: Article,
        sentences: list[Sentence],
        mentions: list[list[Mention]],
        countries: list[set[str]],
        dateline_city: str | None,
        screens: list[set[int]],
    ) -> Contact | None:
        anchor = article.published
        facts = [
            self._analyse(sentence, sentence_mentions, sentence_countries, anchor, screen)
            for sentence, sentence_mentions, sentence_countries, screen in zip(
                sentences, mentions, countries, screens, strict=True
            )
        ]
        groups: dict[tuple[str, str], list[_Group]] = {}
        for position, fact in enumerate(facts):
            for candidate in fact.candidates:
                # Leaders or diplomats only (no defence official): another story's contact ("a
                # week after Biden met Xi, the defence ministers met too"), never this one.
                if self._level(candidate.participants, anchor) is None:
                    continue
                if candidate.date is None:  # the last day stated earlier in the paragraph, if any
                    candidate.date = self._previous_day(facts[:position], fact.sentence.paragraph)
                self._add_to_groups(groups, candidate)
        lead_paragraphs = self._lead_paragraphs(facts)
        lead = [f for f in facts if f.sentence.paragraph in lead_paragraphs]
        chosen = self._lead_group(groups, lead) or self._later_group(groups, lead_paragraphs, anchor)
        if chosen is None:
            return self._planned(facts, lead, anchor)
        group, via_lead = chosen
        if via_lead and self._announced_in_body(group, lead):
            return self._planned(facts, lead, anchor)
        lead_support = [f for f in lead if f.predicates] if via_lead else []
        date_mention = group.date or self._lead_date(lead_support)
        day = date_mention.date if date_mention else anchor
        level = self._level(group.participants, day)
        if level is None:
            return None
        if date_mention is None or date_mention.precision != "day":
            refined = self._supporting_date(group, facts, day)
            if refined is not None:
                date_mention, day = refined, refined.date
        mode = self._mode(group, facts, lead_support, day)
        first, second = group.participants
        participants = (self._participant(first, day, second), self._participant(second, day, first))
        # Sentences naming both participants first, then the lead sentences that framed the contact.
        evidence_sentences = [c.sentence for c in group.candidates] + [f.sentence for f in lead_support]
        evidence = tuple(dict.fromkeys(s.text for s in evidence_sentences))
        location = self._location(group, sentences, mode, dateline_city, day, anchor)
        lead_indexes = {f.sentence.index for f in lead}
        confidence = _confidence(
            in_lead=any(c.sentence.index in lead_indexes for c in group.candidates),
            named=any(c.named for c in group.candidates),
            exact_date=date_mention is not None and date_mention.precision == "day",
            mode_stated=mode != "unspecified",
            sentences=len(evidence),
        )
        return Contact(
            date=day,
            mode=mode,
            participants=participants,
            location=location,
            evidence=evidence,
            date_is_explicit=date_mention is not None,
            status="held",
            level=level,
            historical=(anchor - day).days > self.recency_days,
            confidence=confidence,
            rules=_rules(group.candidates),
        )

    def _planned(self, facts: list[_SentenceFacts], lead: list[_SentenceFacts], anchor: dt.date) -> Contact | None:
        """A contact the lead announces for the future ("will meet", "are expected to sit down")."""
        lead_indexes = {f.sentence.index for f in lead}
        candidates = [c for f in facts for c in f.planned if c.sentence.index in lead_indexes]
        if not candidates:
            return None
        first_candidate = candidates[0]
        same = [c for c in candidates if c.participants == first_candidate.participants]
        dated = next((c.date for c in same if c.date is not None and c.date.precision == "day"), None)
        day = dated.date if dated else anchor
        level = self._level(first_candidate.participants, day)
        if level is None:
            return None
        first, second = first_candidate.participants
        modes = [c.mode for c in same]
        best = max(modes, key=lambda m: _MODE_RANK[m])
        return Contact(
            date=day,
            mode="phone_call" if best == "call" else best,  # type: ignore[arg-type]
            participants=(self._participant(first, day, second), self._participant(second, day, first)),
            evidence=tuple(dict.fromkeys(c.sentence.text for c in same)),
            date_is_explicit=dated is not None,
            status="planned",
            level=level,
            confidence=_confidence(
                True, any(c.named for c in same), dated is not None, best != "unspecified", len(same)
            ),
            rules=_rules(same),
        )

    @staticmethod
    def _announced_in_body(group: _Group, lead: list[_SentenceFacts]) -> bool:
        """Whether the lead's first sentence about the two people, past its headlines,
        announces their contact: a headline without a tense ("오스틴-둥쥔, 샹그릴라대화 계기
        회동", "Austin-Dong talks at Shangri-La") is read as the story under it tells it, and
        a contact the lead reports after the announcement is background. (A contact reported
        below the lead, the lead saying only what comes next, is the news.)"""
        lead_indexes = {fact.sentence.index for fact in lead}
        if not any(c.sentence.index in lead_indexes for c in group.candidates):
            return False
        for fact in lead:
            if _is_headline(fact.sentence.text):
                continue
            if any(c.participants == group.participants for c in fact.candidates):
                return False
            if any(c.participants == group.participants for c in fact.planned):
                return True
        return False

    @staticmethod
    def _previous_day(earlier: Sequence[_SentenceFacts], paragraph: int) -> DateMention | None:
        """The last day-precise date of the sentences before, in the same paragraph."""
        for fact in reversed(earlier):
            if fact.sentence.paragraph != paragraph:
                break
            day_dates = [d for d in fact.dates if d.precision == "day"]
            if day_dates:
                return day_dates[-1]
        return None

    @staticmethod
    def _lead_paragraphs(facts: Sequence[_SentenceFacts]) -> set[int]:
        """The story's lead, past the page's furniture, with its headline.

        The lead is the first paragraph of prose (LEAD_MIN_WORDS or more, headlines not
        counted) that refers to a country or an official: site names, mastheads, date lines,
        bylines, captions and banners are short or refer to no one. The short paragraphs before it that do refer to
        someone are its headline and subheadline."""
        paragraphs: dict[int, list[_SentenceFacts]] = {}
        for fact in facts:
            paragraphs.setdefault(fact.sentence.paragraph, []).append(fact)
        headlines: list[int] = []
        first_prose: int | None = None
        for paragraph, paragraph_facts in paragraphs.items():  # in order; most leads come first
            refers = any(f.countries or f.officials for f in paragraph_facts)
            prose = (f.sentence.text for f in paragraph_facts if not _is_headline(f.sentence.text))
            if sum(_words(text) for text in prose) < LEAD_MIN_WORDS:
                if refers:
                    headlines.append(paragraph)
                continue
            if refers:
                return {paragraph, *(p for p in headlines if p >= paragraph - _HEADLINE_REACH)}
            if first_prose is None:
                first_prose = paragraph
        return {first_prose if first_prose is not None else next(iter(paragraphs))}

    @staticmethod
    def _later_group(
        groups: dict[tuple[str, str], list[_Group]], lead_paragraphs: set[int], anchor: dt.date
    ) -> tuple[_Group, bool] | None:
        """A contact reported further down when the lead reports none (a newsletter's item, a
        feature's news peg): one whose own sentence dates it to the last days before the article.
        An older contact mentioned further down is background."""
        ordered = sorted((g for gs in groups.values() for g in gs), key=lambda g: g.first_index)
        for group in ordered:
            for candidate in group.candidates:
                date = candidate.date
                if (
                    date is not None
                    and date.precision == "day"
                    and candidate.sentence.paragraph > max(lead_paragraphs)
                    and dt.timedelta(0) <= anchor - date.date <= _LATER_CONTACT_REACH
                ):
                    return group, False
        return None

    @staticmethod
    def _lead_date(lead_support: list[_SentenceFacts]) -> DateMention | None:
        for fact in lead_support:
            for predicate in fact.predicates:
                date = ContactDetector._nearest_date(fact.dates, predicate, fact.sentence.text)
                if date is not None and date.precision == "day":
                    return date
        return None

    @staticmethod
    def _add_to_groups(groups: dict[tuple[str, str], list[_Group]], candidate: _Candidate) -> None:
        same = groups.setdefault(candidate.participants, [])
        for group in same:
            known = group.date
            if candidate.date is None or known is None or abs((known.date - candidate.date.date).days) <= 1:
                group.candidates.append(candidate)
                return
        same.append(_Group(candidate.participants, [candidate]))

    def _lead_group(
        self, groups: dict[tuple[str, str], list[_Group]], lead: list[_SentenceFacts]
    ) -> tuple[_Group, bool] | None:
        """The group the article's lead is about, and whether it was found through the lead's
        wording rather than a full candidate in the lead."""
        ordered = sorted((g for gs in groups.values() for g in gs), key=lambda g: g.first_index)
        lead_indexes = {f.sentence.index for f in lead}
        for group in ordered:
            if any(c.sentence.index in lead_indexes for c in group.candidates):
                return group, True
        countries = set().union(*(f.countries for f in lead if f.predicates)) if lead else set()
        if not set(self.gazetteer.pair) <= countries:
            return None
        lead_officials = set().union(*(f.officials for f in lead))
        lead_paragraph = lead[-1].sentence.paragraph
        for group in ordered:
            if not any(c.sentence.paragraph <= lead_paragraph + 2 for c in group.candidates):
                continue
            consistent = all(
                official in lead_officials
                for official in group.participants
                if any(
                    self.gazetteer.officials[o].country == self.gazetteer.officials[official].country
                    for o in lead_officials
                )
            )
            if consistent:
                return group, True
        return None

    def _supporting(self, group: _Group, facts: list[_SentenceFacts], day: dt.date) -> list[_SentenceFacts]:
        """Sentences that speak of the contact without naming anyone else ("The two spoke by video",
        "the call took place on Monday"): a predicate, no other official, no other country, no
        date that contradicts the contact's."""
        members = set(group.participants)
        foreign = set(self.gazetteer.countries) - set(self.gazetteer.pair)
        return [
            fact
            for fact in facts
            if fact.predicates
            and fact.officials <= members
            and not fact.countries & foreign
            and (not fact.dates or any(_same_time(d, day) for d in fact.dates))
        ]

    def _supporting_date(self, group: _Group, facts: list[_SentenceFacts], day: dt.date) -> DateMention | None:
        for fact in self._supporting(group, facts, day):
            precise = [d for d in fact.dates if d.precision == "day" and _same_time(d, day)]
            if precise:
                return min(precise, key=lambda d: min(abs(d.start - p.end) for p in fact.predicates))
        return None

    def _mode(
        self, group: _Group, facts: list[_SentenceFacts], lead_support: list[_SentenceFacts], day: dt.date
    ) -> Mode:
        """The mode the contact's own sentences state; where they say only "talks" or "a call",
        the lead or sentences that speak of it without naming anyone else ("The two spoke by
        video") may say more. They never overrule a stated mode: "met on Friday; last month the
        two held online talks" is a meeting."""
        best = max((c.mode for c in group.candidates), key=lambda m: _MODE_RANK[m])
        if best in ("unspecified", "call"):
            others = [p.mode for f in lead_support for p in f.predicates]
            others += [p.mode for fact in self._supporting(group, facts, day) for p in fact.predicates]
            finer = [
                m
                for m in others
                if _MODE_RANK[m] > _MODE_RANK[best] and (best == "unspecified" or m in ("phone_call", "video_call"))
            ]
            if finer:
                best = max(finer, key=lambda m: _MODE_RANK[m])
        return "phone_call" if best == "call" else best  # type: ignore[return-value]

    def _location(
        self,
        group: _Group,
        sentences: Sequence[Sentence],
        mode: Mode,
        dateline_city: str | None,
        day: dt.date,
        anchor: dt.date,
    ) -> str | None:
        if mode in ("phone_call", "video_call"):
            return None
        texts = [c.sentence.text for c in group.candidates]
        for candidate in group.candidates:
            text = candidate.sentence.text
            stop = _LOCATION_STOP.search(text, candidate.predicate_start)
            for match in _IN_PLACE.finditer(text, candidate.predicate_start, stop.start() if stop else len(text)):
                place = match.group("place")
                if place.split()[0] not in _NOT_PLACES and not any(
                    w in place for w in ("Command", "Ministry", "Department")
                ):
                    return place
        lead_text = " ".join(s.text for s in sentences if s.paragraph <= sentences[0].paragraph + 1)
        for venue, city in self.venues.items():
            if venue.lower() in " ".join(texts).lower() or venue.lower() in lead_text.lower():
                return city
        if mode == "meeting" and dateline_city and abs((anchor - day).days) <= 2:
            return dateline_city
        return None

    def _participant(self, official_id: str, day: dt.date, other_id: str) -> Participant:
        official = self.gazetteer.officials[official_id]
        role, office = self.gazetteer.role_on(official_id, day, self.gazetteer.counterpart_offices(other_id, day))
        name = office.name_on(day)
        return Participant(
            official_id=official.id,
            name=official.name,
            country=official.country,
            office=("Acting " if role.acting else "") + name,
            office_id=role.office,
            level=office.level,
            defence=office.defence,
        )
