"""The gazetteer: who held which office when, and how text refers to them (pure functions).

Built once from the validated settings, it finds references to officials in a sentence: full
names and their variants, titles ("the Pentagon chief", "China's defence minister") resolved
to the office holder on a date, and "counterpart" references resolved against the other side.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from newswatch.config_schema import Office, Official, Role
from newswatch.lexicon import load_lexicon
from newswatch.matching import UPPER, compile_guarded, per_span, per_text
from newswatch.model import LEVEL_RANK
from newswatch.name_forms import name_pattern, name_variants, title_variants
from newswatch.phrases import PhraseIndex, PhraseScanner
from newswatch.settings import Settings
from newswatch.text import Sentence, verbatim_spans

MentionKind = Literal["name", "surname", "title", "counterpart"]
_ROLE_CACHE_SIZE = 50_000  # (official, day, preferred offices) → role: a long-running monitor's bound

# A name as text writes it after a title: capitalised words, initials before ("В.В. Герасимов")
# or inside ("Charles Q. Brown").
_CAPITALISED_NAME = (
    rf"(?:[{UPPER}]\.\s*){{0,2}}[{UPPER}][\w'’-]+(?:\s+[{UPPER}]\.)*(?:\s+[{UPPER}][\w'’-]+)+"
    rf"|(?:[{UPPER}]\.\s*){{1,2}}[{UPPER}][\w'’-]+"
)


def rank_words(ranks: str, country_words: Iterable[str]) -> str:
    """Ranks and honorifics that may stand between a title and a name, or before a surname: the
    lexicons' ``ranks`` ("Gen.", "генерал армии"), each perhaps after a country's word ("Russian
    Gen.", "PLA Gen.", "U.S. Army Gen.")."""
    words = "|".join(re.escape(word) for word in sorted(set(country_words), key=len, reverse=True))
    return rf"(?:(?:{words})\s+)?(?:{ranks})" if words else rf"(?:{ranks})"


_CLAUSE_BREAK = re.compile(r"[,;:(—–，、；：（]|\band\b|\bwith\b|\bby\b|\bfrom\b|\by\b|\bcon\b|与|和|同")
# A country adjective after the title, as Spanish puts it: "el ministro de Defensa chino".
_POSTNOMINAL_WINDOW = 16
_QUALIFIER_WINDOW = 45


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


# Between a name and the title describing it: ", the U.S. " in "Salesses, the U.S. defense secretary".
_APPOSITIVE = re.compile(r"\s*,\s*(?:the\s+)?(?:[A-Z][\w.'’-]*\s+){0,2}")


@dataclass(frozen=True)
class SentenceHits:
    """The gazetteer phrases in one sentence, as (start, end, payload)."""

    names: list[tuple[int, int, str]]  # official id
    surnames: list[tuple[int, int, str]]  # the surname
    titles: list[tuple[int, int, tuple[tuple[str, ...], bool]]]  # office ids, needs a country word
    countries: list[tuple[int, int, str]]  # country code
    counterparts: list[tuple[int, int, str]]  # the word


class Gazetteer:
    """Offices, officials and the matchers that find them in text."""

    def __init__(self, settings: Settings) -> None:
        self.offices: dict[str, Office] = settings.officials.offices
        self.officials: dict[str, Official] = {o.id: o for o in settings.officials.officials}
        self.countries = settings.core.countries
        self.pair = settings.core.tracked_pair
        self._roles: dict[tuple[str, dt.date, frozenset[str]], tuple[Role, Office]] = {}
        lexicon = load_lexicon(settings.config_dir)
        ranks = rank_words(
            lexicon.alternation("ranks"),
            (word for country in self.countries.values() for word in country.names),
        )
        self._following_name = re.compile(rf"\A,?\s*(?:(?:{ranks})\s+)*(?P<name>{_CAPITALISED_NAME})")
        self._rank_before = re.compile(rf"(?:{ranks})\s+$")
        self._ranks_only = re.compile(rf",?\s*(?:(?:{ranks})\s*)*")
        # "his Chinese counterpart", "своим российским коллегой", "su homólogo": the lexicons' words
        self._counterpart = compile_guarded(lexicon.alternation("counterparts"), re.IGNORECASE)

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
        a Secretary of Defense did so as defence minister, not as a CMC member). Remembered: the
        detector asks about the same people on the same day many times.
        """
        key = (official_id, day, prefer)
        found = self._roles.get(key)
        if found is None:
            found = self._roles[key] = self._role_on(official_id, day, prefer)
            if len(self._roles) > _ROLE_CACHE_SIZE:
                self._roles.clear()
        return found

    def _role_on(self, official_id: str, day: dt.date, prefer: frozenset[str]) -> tuple[Role, Office]:
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

    def _counterparts(self, text: str) -> list[tuple[int, int, str]]:
        """The lexicons' counterpart words in ``text`` ("counterpart", "коллегой", "对口"), as
        (start, end, the word)."""
        return [(m.start(), m.end(), m.group(0)) for m in self._counterpart.finditer(text)]

    @cached_property
    def _name_index(self) -> PhraseIndex[str]:
        index: PhraseIndex[str] = PhraseIndex()
        for official in self.officials.values():
            for alias in (official.name, *official.aliases):
                for variant in name_variants(alias):
                    index.add(variant, name_pattern(variant), official.id)
        return index

    @cached_property
    def _title_index(self) -> PhraseIndex[tuple[tuple[str, ...], bool]]:
        """Every office alias; each maps to (office ids, needs a country word)."""
        by_alias: dict[tuple[str, bool], list[str]] = {}
        for office_id, office in self.offices.items():
            for aliases, qualified in ((office.aliases, False), (office.qualified_aliases, True)):
                for alias in aliases:
                    for form in title_variants(alias):  # министр обороны: министра, министром… обороны
                        ids = by_alias.setdefault((form.lower(), qualified), [])
                        if office_id not in ids:
                            ids.append(office_id)
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

    def references(self, text: str) -> SentenceHits:
        """The names, surnames, titles, "counterpart"s and country words in a whole article.

        Most news refers to no official, and then there is no contact to look for: its country
        words are not looked up.
        """
        name_starts, surname_starts, title_starts, country_starts = self._scanner.word_starts(text)
        names = self._name_index.find(text, name_starts)
        surnames = self._surname_index.find(text, surname_starts)
        titles = self._title_index.find(text, title_starts)
        counterparts = self._counterparts(text)
        anyone = names or surnames or titles or counterparts
        countries = self._country_index.find(text, country_starts) if anyone else []
        return SentenceHits(names, surnames, titles, countries, counterparts)

    @cached_property
    def _scanner(self) -> PhraseScanner:
        """One automaton pass finds where any index's phrases may start (the article's country
        words come from the same pass as its references)."""
        return PhraseScanner([self._name_index, self._surname_index, self._title_index, self._country_index])

    def sides_referenced(self, references: SentenceHits) -> set[str]:
        """The countries whose officials an article may refer to, from its ``references``: a
        superset of the countries of the mentions that sentence analysis finds, for a fraction of
        its cost. A title or "counterpart" is taken with every country word that could qualify
        it (before it within the qualifier window, or right after it), clause and sentence
        breaks ignored; a surname with every official who has it.
        """
        countries = references.countries

        def qualifiers(start: int, end: int) -> set[str]:
            return {
                code
                for c_start, c_end, code in countries
                if (start - _QUALIFIER_WINDOW <= c_start and c_end <= start)
                or (end <= c_start <= end + 2 and c_end <= end + _POSTNOMINAL_WINDOW)
            }

        sides = {self.officials[official_id].country for _, _, official_id in references.names}
        sides.update(
            official.country for _, _, surname in references.surnames for official in self._by_surname[surname]
        )
        for start, end, (office_ids, needs_country) in references.titles:
            office_countries = {self.offices[office_id].country for office_id in office_ids}
            if needs_country or len(office_countries) > 1:
                sides.update(qualifiers(start, end) & office_countries)
            else:
                sides.update(office_countries)
        for start, _, _ in references.counterparts:
            sides.update(qualifiers(start, start))
        return sides

    def scan(self, sentences: Sequence[Sentence], references: SentenceHits) -> list[SentenceHits]:
        """Every gazetteer phrase in each of the article's sentences; the finders below work
        from these. ``references``: the article's, from ``references(text)``.

        Where every sentence is in the text verbatim, the article's hits are split among them;
        otherwise the sentences are scanned (one pass per kind over all of them).
        """
        spans = verbatim_spans(sentences)
        if spans is None:
            texts = [sentence.text for sentence in sentences]
            found = (
                self._name_index.find_each(texts),
                self._surname_index.find_each(texts),
                self._title_index.find_each(texts),
                self._country_index.find_each(texts),
                per_text(texts, self._counterparts("\n".join(texts))),
            )
        else:
            found = (
                per_span(spans, references.names),
                per_span(spans, references.surnames),
                per_span(spans, references.titles),
                per_span(spans, references.countries),
                per_span(spans, references.counterparts),
            )
        return [SentenceHits(*hits) for hits in zip(*found, strict=True)]

    def find_names(self, text: str, hits: SentenceHits) -> list[Mention]:
        """Full-name references to known officials."""
        mentions = []
        for start, end, official_id in hits.names:
            official = self.officials[official_id]
            mentions.append(Mention(start, end, text[start:end], "name", official.country, official.id))
        return mentions

    @cached_property
    def _surname_index(self) -> PhraseIndex[str]:
        index: PhraseIndex[str] = PhraseIndex()
        for surname in {surname for o in self.officials.values() for surname in o.surnames}:
            # Not the first word of a longer name ("Li" in "Li Shangfu" is a full name, found elsewhere).
            for form in name_variants(surname):  # Герасимов: Герасимова, Герасимовым…
                index.add(form, re.escape(form) + rf"(?!\s+[{UPPER}][a-zа-яё])", surname)
        return index

    @cached_property
    def _by_surname(self) -> dict[str, list[Official]]:
        by_surname: dict[str, list[Official]] = {}
        for official in self.officials.values():
            for surname in official.surnames:
                by_surname.setdefault(surname, []).append(official)
        return by_surname

    def find_surnames(self, hits: SentenceHits) -> list[tuple[int, int, str, set[str]]]:
        """Bare surnames of officials: (start, end, surname, the ids of the officials with it)."""
        return [
            (start, end, surname, {o.id for o in self._by_surname[surname]}) for start, end, surname in hits.surnames
        ]

    def find_ranked_surnames(self, text: str, day: dt.date, hits: SentenceHits) -> list[Mention]:
        """ "Gen. Liu", "Adm. Dong", "Secretary Austin": a rank plus the surname of one office holder on ``day``."""
        mentions = []
        for start, end, surname in hits.surnames:
            if not self._rank_before.search(text, max(0, start - 30), start):
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

    def _qualifier(self, text: str, start: int, end: int, countries: list[tuple[int, int, str]]) -> str | None:
        """The country word qualifying a title at ``start:end``, if any: the last one shortly
        before it in the same clause, else one right after it. ``countries``: the text's."""
        lower = max(0, start - _QUALIFIER_WINDOW)
        breaks = list(_CLAUSE_BREAK.finditer(text, lower, start))
        if breaks:
            lower = breaks[-1].end()
        before = [code for c_start, c_end, code in countries if lower <= c_start and c_end <= start]
        return before[-1] if before else self._postnominal(text, end, countries)

    @staticmethod
    def _postnominal(text: str, end: int, countries: list[tuple[int, int, str]]) -> str | None:
        """A country word right after a title ("ministro de Defensa chino"), before any comma."""
        limit = end + len(text[end : end + _POSTNOMINAL_WINDOW].split(",", 1)[0])
        after = [code for c_start, c_end, code in countries if end <= c_start <= end + 2 and c_end <= limit]
        return after[0] if after else None

    def find_titles(self, text: str, names: list[Mention], hits: SentenceHits) -> list[Mention]:
        """Standalone titles ("the Pentagon chief", "his Chinese counterpart"), not yet resolved.

        A title followed or preceded by a person's name describes that person and is dropped:
        the name decides who it is (or, for a name the gazetteer lacks, that it is nobody we track).
        """
        found: list[Mention] = []
        country_words = hits.countries
        for start, end, (office_ids, needs_country) in hits.titles:
            if self._next_to_a_name(text, start, end, names):
                continue
            qualifier = self._qualifier(text, start, end, country_words)
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
        for start, end, word in hits.counterparts:
            if self._next_to_a_name(text, start, end, names):
                continue
            qualifier = self._qualifier(text, start, start, country_words)
            if qualifier in self.pair:
                found.append(Mention(start, end, word, "counterpart", qualifier))
        return found

    def _next_to_a_name(self, text: str, start: int, end: int, names: list[Mention]) -> bool:
        return bool(self._following_name.match(text[end:])) or self.described_name(text, start, end, names) is not None

    def described_name(self, text: str, start: int, end: int, names: list[Mention]) -> Mention | None:
        """The named official a title at ``start:end`` describes, if any: right before it, in
        apposition ("Robert Salesses, the U.S. defense secretary"), or right after it, past ranks."""
        for name in names:
            gap = text[name.end : start]
            if 0 <= start - name.end <= 4 and gap.strip(" ,") == "":
                return name
            if 0 <= start - name.end <= 30 and _APPOSITIVE.fullmatch(gap):
                return name
            if 0 <= name.start - end <= 20 and self._ranks_only.fullmatch(text, end, name.start):
                return name
        return None

    def resolve_title(self, mention: Mention, day: dt.date) -> str | None:
        """The official holding the title's office on ``day``, if exactly one office fits."""
        holders = [h for office_id in mention.office_ids for h in self.holders(office_id, day)[:1]]
        unique = {h.id for h in holders}
        return unique.pop() if len(unique) == 1 else None
