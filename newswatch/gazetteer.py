"""The gazetteer: who held which office when, and how text refers to them (pure functions).

Built once from the validated settings, it finds references to officials in a sentence: full
names and their variants, titles ("the Pentagon chief", "China's defence minister") resolved
to the office holder on a date, and "counterpart" references resolved against the other side.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Generic, Literal, TypeVar

import ahocorasick

from newswatch.records import LEVEL_RANK
from newswatch.settings import Office, Official, Role, Settings

T = TypeVar("T")
MentionKind = Literal["name", "surname", "title", "counterpart"]

# Ranks and honorifics that may stand between a title and a name, or before a surname.
RANK_WORDS = (
    r"(?:Air Force |Navy |Army |Marine |Chinese |PLA |U\.S\. )?"
    r"(?:Gen|Adm|Lt|Col|Maj|Capt|Vice Adm|Rear Adm|Lt\. Gen|Maj\. Gen|Senior Col|Sen|Rep|Mr|Ms|Mrs|Dr)\.?"
    r"|General|Admiral|Colonel|Secretary|Minister|Chairman|President|Ambassador|Commander"
    r"|general|almirante|secretario|ministro|jefe|comandante"
)
_CAPITALISED_NAME = r"[A-Z][\w'’-]+(?:\s+[A-Z]\.)*(?:\s+[A-Z][\w'’-]+)+"
_FOLLOWING_NAME = re.compile(rf"\A,?\s*(?:(?:{RANK_WORDS})\s+)*(?P<name>{_CAPITALISED_NAME})")
_RANK_BEFORE = re.compile(rf"(?:{RANK_WORDS})\s+$")
_CLAUSE_BREAK = re.compile(r"[,;:(—–，、；：（]|\band\b|\bwith\b|\bby\b|\bfrom\b|\by\b|\bcon\b|与|和|同")
# A country adjective after the title, as Spanish puts it: "el ministro de Defensa chino".
_POSTNOMINAL_WINDOW = 16
_QUALIFIER_WINDOW = 45
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Mention:
    """A reference to an official in a sentence; ``official_id`` is set once it is resolved."""

    start: int
    end: int
    text: str
    kind: MentionKind
    country: str | None
    official_id: str | None = None
    office_ids: tuple[str, ...] = ()


def _name_pattern(alias: str) -> str:
    """A regex for a personal name that tolerates a middle initial and ", Jr."."""
    if _CJK.search(alias):
        return re.escape(alias)
    tokens = alias.replace(",", " ").split()
    if tokens and tokens[-1].rstrip(".").lower() in ("jr", "sr"):
        suffix = r"(?:,?\s+" + re.escape(tokens[-1].rstrip(".")) + r"\.?)?"
        tokens = tokens[:-1]
    else:
        suffix = r"(?:,?\s+Jr\.?(?![\w]))?"
    if len(tokens) >= 2 and not tokens[1].endswith("."):
        head = re.escape(tokens[0]) + r"(?:\s+[A-Z]\.)*\s+" + r"\s+".join(re.escape(t) for t in tokens[1:])
    else:
        head = r"\s+".join(re.escape(t) for t in tokens)
    return head + suffix


_TOKEN = re.compile(r"[^\W_][\w.'’-]*")
_WORD_PART = re.compile(r"['’-]")


def _token_key(token: str) -> str:
    return token.rstrip(".").lower()


_TOKEN_CHARS = frozenset(".'’-_")


class PhraseIndex(Generic[T]):
    """Finds many phrases in text fast: an Aho-Corasick automaton (pyahocorasick, in C) finds the
    words that start some phrase, and only there is each such phrase's regex tried.

    A phrase is keyed by its first word, lower-cased without a final dot; a text word matches a
    key whole or up to its first apostrophe or hyphen ("China's", "Sino-American").
    """

    def __init__(self, ignore_case: bool = False) -> None:
        self._flags = re.IGNORECASE if ignore_case else 0
        self._by_first: dict[str, list[tuple[re.Pattern[str], T]]] = {}
        self._cjk: list[tuple[str, re.Pattern[str], T]] = []
        self._cjk_first_chars: frozenset[str] = frozenset()
        self._automaton: ahocorasick.Automaton | None = None

    def add(self, phrase: str, pattern: str, payload: T) -> None:
        compiled = re.compile(pattern, self._flags)
        if _CJK.search(phrase):
            self._cjk.append((phrase[0], compiled, payload))
            self._cjk_first_chars = self._cjk_first_chars | {phrase[0]}
            return
        first = _TOKEN.match(phrase)
        if first is None:
            raise ValueError(f"phrase {phrase!r} does not start with a word")
        self._by_first.setdefault(_token_key(first.group(0)), []).append((compiled, payload))
        self._automaton = None

    def _word_starts(self, text: str) -> list[int]:
        """Where a word starts that may be some phrase's first word (a superset, in order)."""
        if not self._by_first:
            return []
        lowered = text.lower()
        if len(lowered) != len(text):  # lower-casing changed offsets (rare scripts): scan every word
            return [token.start() for token in _TOKEN.finditer(text)]
        if self._automaton is None:
            self._automaton = ahocorasick.Automaton()
            for key in self._by_first:
                self._automaton.add_word(key, len(key))
            self._automaton.make_automaton()
        starts: set[int] = set()
        for end, length in self._automaton.iter(lowered):
            start = end - length + 1
            if start == 0 or not (text[start - 1].isalnum() or text[start - 1] in _TOKEN_CHARS):
                starts.add(start)
        return sorted(starts)

    def may_match(self, texts: Sequence[str]) -> list[bool]:
        """For each text, whether ``find`` could find anything in it: one automaton pass over all
        of them, so that ``find`` runs only where it can match."""
        joined = "\n".join(texts)
        ends = list(itertools.accumulate(len(text) + 1 for text in texts))
        flags = [False] * len(texts)
        for start in self._word_starts(joined):
            flags[bisect.bisect_right(ends, start)] = True
        first_chars = self._cjk_first_chars
        if first_chars and not first_chars.isdisjoint(joined):
            flags = [flag or not first_chars.isdisjoint(text) for flag, text in zip(flags, texts, strict=True)]
        return flags

    def find(self, text: str) -> list[tuple[int, int, T]]:
        """Non-overlapping matches, leftmost first and longest at each position."""
        found: list[tuple[int, int, T]] = []
        for start in self._word_starts(text):
            token = _TOKEN.match(text, start)
            if token is None:
                continue
            word = token.group(0)
            # "China's", "Sino-American": the phrase may end inside the token.
            keys = {_token_key(word), _token_key(_WORD_PART.split(word, maxsplit=1)[0])}
            candidates = [entry for key in keys for entry in self._by_first.get(key, ())]
            for regex, payload in candidates:
                match = regex.match(text, start)
                if match and (
                    match.end() == len(text) or not (text[match.end()].isalnum() or text[match.end()] == "_")
                ):
                    found.append((start, match.end(), payload))
        for first_char, regex, payload in self._cjk if not self._cjk_first_chars.isdisjoint(text) else ():
            index = text.find(first_char)
            while index != -1:
                match = regex.match(text, index)
                if match:
                    found.append((index, match.end(), payload))
                index = text.find(first_char, index + 1)
        found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
        result: list[tuple[int, int, T]] = []
        for match in found:
            if not result or match[0] >= result[-1][1]:
                result.append(match)
        return result


class Gazetteer:
    """Offices, officials and the matchers that find them in text."""

    def __init__(self, settings: Settings) -> None:
        self.offices: dict[str, Office] = settings.officials.offices
        self.officials: dict[str, Official] = {o.id: o for o in settings.officials.officials}
        self.countries = settings.core.countries
        self.pair = settings.core.tracked_pair

    # --- lookups ---------------------------------------------------------------------------

    def holders(self, office_id: str, day: dt.date) -> list[Official]:
        """Officials holding ``office_id`` on ``day`` (acting holders after substantive ones)."""
        found = [
            (role.acting, official)
            for official in self.officials.values()
            for role in official.roles
            if role.office == office_id and role.held_on(day)
        ]
        return [official for _, official in sorted(found, key=lambda pair: pair[0])]

    def role_on(self, official_id: str, day: dt.date, prefer: frozenset[str] = frozenset()) -> tuple[Role, Office]:
        """The official's most senior role on ``day``; outside every tenure, the nearest role.

        Among equally senior roles, one whose office is in ``prefer`` wins (Wei Fenghe talking to
        a Secretary of Defense did so as defence minister, not as a CMC member).
        """
        official = self.officials[official_id]

        def distance(role: Role) -> int:
            if role.held_on(day):
                return 0
            if day < role.from_:
                return (role.from_ - day).days
            assert role.to is not None
            return (day - role.to).days

        def rank(role: Role) -> tuple[int, int, bool, int]:
            office = self.offices[role.office]
            return (distance(role), -LEVEL_RANK[office.level], role.office not in prefer, -int(office.defence))

        role = min(official.roles, key=rank)
        return role, self.offices[role.office]

    def counterpart_offices(self, official_id: str, day: dt.date) -> frozenset[str]:
        """Offices that are customary counterparts of any office the official holds on ``day``."""
        official = self.officials[official_id]
        held = [r for r in official.roles if r.held_on(day)] or [self.role_on(official_id, day)[0]]
        return frozenset(c for role in held for c in self.offices[role.office].counterparts)

    def counterpart_of(self, official_id: str, country: str, day: dt.date) -> str | None:
        """The holder of the customary counterpart office in ``country`` on ``day``, if unique."""
        _, office = self.role_on(official_id, day)
        candidates = {
            holder.id
            for office_id in office.counterparts
            if self.offices[office_id].country == country
            for holder in self.holders(office_id, day)[:1]
        }
        return candidates.pop() if len(candidates) == 1 else None

    # --- matchers --------------------------------------------------------------------------

    @cached_property
    def _name_index(self) -> PhraseIndex[str]:
        index: PhraseIndex[str] = PhraseIndex()
        for official in self.officials.values():
            for alias in (official.name, *official.aliases):
                index.add(alias, _name_pattern(alias), official.id)
        return index

    @cached_property
    def _title_index(self) -> PhraseIndex[tuple[tuple[str, ...], bool]]:
        """Every office alias; each maps to (office ids, needs a country word)."""
        by_alias: dict[tuple[str, bool], list[str]] = {}
        for office_id, office in self.offices.items():
            for alias in office.aliases:
                by_alias.setdefault((alias.lower(), False), []).append(office_id)
            for alias in office.qualified_aliases:
                by_alias.setdefault((alias.lower(), True), []).append(office_id)
        index: PhraseIndex[tuple[tuple[str, ...], bool]] = PhraseIndex(ignore_case=True)
        for (alias, qualified), office_ids in by_alias.items():
            body = r"\s+".join(re.escape(t) for t in alias.split())
            # "chairman of the U.S. Joint Chiefs of Staff": a country word may follow "of the".
            body = body.replace(r"of\s+the\s+", r"of\s+the\s+(?:[A-Z][\w.'’]*\s+)?")
            index.add(alias, body, (tuple(office_ids), qualified))
        return index

    @cached_property
    def _country_index(self) -> PhraseIndex[str]:
        index: PhraseIndex[str] = PhraseIndex()
        for code, country in self.countries.items():
            for word in country.names:
                index.add(word, r"\s+".join(re.escape(t) for t in word.split()), code)
        return index

    @cached_property
    def _counterpart_regex(self) -> re.Pattern[str]:
        return re.compile(r"\bcounterparts?\b|对口|counterpart", re.IGNORECASE)

    def may_name_countries(self, texts: Sequence[str]) -> list[bool]:
        """For each text, whether ``find_countries`` could find anything (one pass over all)."""
        return self._country_index.may_match(texts)

    def may_refer_to_officials(self, texts: Sequence[str]) -> list[bool]:
        """For each text, whether it may name an official (by name, surname or title) or a
        counterpart: one pass over all texts per index, so the finders run only where needed."""
        flags = [
            any(hits)
            for hits in zip(
                self._name_index.may_match(texts),
                self._surname_index.may_match(texts),
                self._title_index.may_match(texts),
                strict=True,
            )
        ]
        joined = "\n".join(texts)
        ends = list(itertools.accumulate(len(text) + 1 for text in texts))
        for match in self._counterpart_regex.finditer(joined):
            flags[bisect.bisect_right(ends, match.start())] = True
        return flags

    def find_countries(self, text: str) -> list[tuple[int, int, str]]:
        """Country words (names, demonyms, capitals) in ``text`` as (start, end, country code)."""
        return self._country_index.find(text)

    def find_names(self, text: str) -> list[Mention]:
        """Full-name references to known officials."""
        mentions = []
        for start, end, official_id in self._name_index.find(text):
            official = self.officials[official_id]
            mentions.append(Mention(start, end, text[start:end], "name", official.country, official.id))
        return mentions

    @cached_property
    def _surname_index(self) -> PhraseIndex[str]:
        index: PhraseIndex[str] = PhraseIndex()
        for surname in {o.surname for o in self.officials.values() if o.surname}:
            # Not the first word of a longer name ("Li" in "Li Shangfu" is a full name, found elsewhere).
            index.add(surname, re.escape(surname) + r"(?!\s+[A-Z][a-z])", surname)
        return index

    @cached_property
    def _by_surname(self) -> dict[str, list[Official]]:
        by_surname: dict[str, list[Official]] = {}
        for official in self.officials.values():
            if official.surname:
                by_surname.setdefault(official.surname, []).append(official)
        return by_surname

    def find_surnames(self, text: str, official_ids: set[str]) -> list[tuple[int, int, str, set[str]]]:
        """Bare surnames of officials already named in the article: (start, end, surname, ids)."""
        result = []
        for start, end, surname in self._surname_index.find(text):
            ids = {o.id for o in self._by_surname[surname] if o.id in official_ids}
            if ids:
                result.append((start, end, surname, ids))
        return result

    def find_ranked_surnames(self, text: str, day: dt.date) -> list[Mention]:
        """ "Gen. Liu", "Adm. Dong", "Secretary Austin": a rank plus the surname of one office holder on ``day``."""
        mentions = []
        for start, end, surname in self._surname_index.find(text):
            if not _RANK_BEFORE.search(text, max(0, start - 30), start):
                continue
            holders = [o for o in self._by_surname[surname] if any(role.held_on(day) for role in o.roles)]
            if len(holders) == 1:
                official = holders[0]
                mentions.append(Mention(start, end, surname, "surname", official.country, official.id))
        return mentions

    def senior_defence_holder(self, surname: str, day: dt.date) -> Official | None:
        """The one official with this surname in a senior defence office on ``day``, if exactly one."""
        holders = [
            official
            for official in self._by_surname.get(surname, [])
            for role in official.roles
            if role.held_on(day) and self.offices[role.office].defence and self.offices[role.office].level == "senior"
        ]
        unique = {o.id: o for o in holders}
        return next(iter(unique.values())) if len(unique) == 1 else None

    def _qualifier(self, text: str, start: int) -> str | None:
        """The country word qualifying a title that starts at ``start``, if any."""
        window = text[max(0, start - _QUALIFIER_WINDOW) : start]
        breaks = list(_CLAUSE_BREAK.finditer(window))
        if breaks:
            window = window[breaks[-1].end() :]
        countries = self.find_countries(window)
        if countries:
            return countries[-1][2]
        return self._postnominal(text, start)

    def _postnominal(self, text: str, start: int) -> str | None:
        """A country word right after a title ("ministro de Defensa chino"), before any comma."""
        match = self._title_index.find(text[start:])
        end = start + (match[0][1] if match and match[0][0] == 0 else 0)
        window = text[end : end + _POSTNOMINAL_WINDOW].split(",", 1)[0]
        countries = [c for c in self.find_countries(window) if c[0] <= 2]
        return countries[0][2] if countries else None

    def find_titles(self, text: str, names: list[Mention]) -> list[Mention]:
        """Standalone titles ("the Pentagon chief", "his Chinese counterpart"), not yet resolved.

        A title followed or preceded by a person's name describes that person and is dropped:
        the name decides who it is (or, for a name the gazetteer lacks, that it is nobody we track).
        """
        found: list[Mention] = []
        for start, end, (office_ids, needs_country) in self._title_index.find(text):
            if self._next_to_a_name(text, start, end, names):
                continue
            qualifier = self._qualifier(text, start)
            if qualifier is not None and qualifier not in self.pair:
                continue  # "Australia's defence minister": another country's office
            countries = {self.offices[o].country for o in office_ids}
            if needs_country or len(countries) > 1:
                if qualifier is None:
                    continue
                office_ids = tuple(o for o in office_ids if self.offices[o].country == qualifier)
                if not office_ids:
                    continue
            elif qualifier is not None and qualifier not in countries:
                continue
            country = self.offices[office_ids[0]].country
            found.append(Mention(start, end, text[start:end], "title", country, None, office_ids))
        for match in self._counterpart_regex.finditer(text):
            if self._next_to_a_name(text, match.start(), match.end(), names):
                continue
            qualifier = self._qualifier(text, match.start())
            if qualifier in self.pair:
                found.append(Mention(match.start(), match.end(), match.group(0), "counterpart", qualifier))
        return found

    @staticmethod
    def _next_to_a_name(text: str, start: int, end: int, names: list[Mention]) -> bool:
        if _FOLLOWING_NAME.match(text[end:]):
            return True
        for name in names:
            gap = text[name.end : start]
            if 0 <= start - name.end <= 4 and gap.strip(" ,") == "":
                return True
            if 0 <= name.start - end <= 20 and re.fullmatch(rf",?\s*(?:(?:{RANK_WORDS})\s*)*", text[end : name.start]):
                return True
        return False

    def resolve_title(self, mention: Mention, day: dt.date) -> str | None:
        """The official holding the title's office on ``day``, if exactly one office fits."""
        holders = [h for office_id in mention.office_ids for h in self.holders(office_id, day)[:1]]
        unique = {h.id for h in holders}
        return unique.pop() if len(unique) == 1 else None
