"""The gazetteer: who held which office when, and how text refers to them (pure functions).

Built once from the validated settings, it finds references to officials in a sentence: full
names and their variants, titles ("the Pentagon chief", "China's defence minister") resolved
to the office holder on a date, and "counterpart" references resolved against the other side.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from newswatch.settings import LEVEL_RANK, Office, Official, Role, Settings

MentionKind = Literal["name", "surname", "title", "counterpart"]

# Ranks and honorifics that may stand between a title and a name, or before a surname.
RANK_WORDS = (
    r"(?:Air Force |Navy |Army |Marine |Chinese |PLA |U\.S\. )?"
    r"(?:Gen|Adm|Lt|Col|Maj|Capt|Vice Adm|Rear Adm|Lt\. Gen|Maj\. Gen|Senior Col|Sen|Rep|Mr|Ms|Mrs|Dr)\.?"
    r"|General|Admiral|Colonel|Secretary|Minister|Chairman|President|Ambassador|Commander"
)
_CAPITALISED_NAME = r"[A-Z][\w'’-]+(?:\s+[A-Z]\.)*(?:\s+[A-Z][\w'’-]+)+"
_FOLLOWING_NAME = re.compile(rf"\A,?\s*(?:(?:{RANK_WORDS})\s+)*(?P<name>{_CAPITALISED_NAME})")
_CLAUSE_BREAK = re.compile(r"[,;:(—–]|\band\b|\bwith\b|\bby\b|\bfrom\b")
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


def _alternation(patterns: dict[str, str]) -> str:
    """Longest first, so "Joint Chiefs of Staff Department" wins over "Joint Chiefs of Staff"."""
    return "|".join(patterns[k] for k in sorted(patterns, key=len, reverse=True))


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

    def role_on(self, official_id: str, day: dt.date) -> tuple[Role, Office]:
        """The official's most senior role on ``day``; outside every tenure, the nearest role."""
        official = self.officials[official_id]

        def distance(role: Role) -> int:
            if role.held_on(day):
                return 0
            if day < role.from_:
                return (role.from_ - day).days
            assert role.to is not None
            return (day - role.to).days

        def rank(role: Role) -> tuple[int, int, int]:
            office = self.offices[role.office]
            return (distance(role), -LEVEL_RANK[office.level], -int(office.defence))

        role = min(official.roles, key=rank)
        return role, self.offices[role.office]

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
    def _name_regex(self) -> tuple[re.Pattern[str], dict[str, str]]:
        patterns: dict[str, str] = {}
        owner: dict[str, str] = {}
        for official in self.officials.values():
            for alias in (official.name, *official.aliases):
                key = f"n{len(owner)}"
                owner[key] = official.id
                body = _name_pattern(alias)
                bounded = body if _CJK.search(alias) else rf"(?<![\w.]){body}(?![\w])"
                patterns[alias + key] = f"(?P<{key}>{bounded})"
        return re.compile(_alternation(patterns)), owner

    @cached_property
    def _title_regex(self) -> tuple[re.Pattern[str], dict[str, tuple[tuple[str, ...], bool]]]:
        """One regex over every office alias; each group maps to (office ids, needs a country word)."""
        by_alias: dict[tuple[str, bool], list[str]] = {}
        for office_id, office in self.offices.items():
            for alias in office.aliases:
                by_alias.setdefault((alias.lower(), False), []).append(office_id)
            for alias in office.qualified_aliases:
                by_alias.setdefault((alias.lower(), True), []).append(office_id)
        patterns: dict[str, str] = {}
        groups: dict[str, tuple[tuple[str, ...], bool]] = {}
        for (alias, qualified), office_ids in by_alias.items():
            key = f"t{len(groups)}"
            groups[key] = (tuple(office_ids), qualified)
            body = r"\s+".join(re.escape(t) for t in alias.split())
            # "chairman of the U.S. Joint Chiefs of Staff": a country word may follow "of the".
            body = body.replace(r"of\s+the\s+", r"of\s+the\s+(?:[A-Z][\w.'’]*\s+)?")
            bounded = body if _CJK.search(alias) else rf"(?<![\w-]){body}(?![\w-])"
            patterns[f"{alias}{key}"] = f"(?P<{key}>{bounded})"
        return re.compile(_alternation(patterns), re.IGNORECASE), groups

    @cached_property
    def _country_regex(self) -> tuple[re.Pattern[str], dict[str, str]]:
        patterns: dict[str, str] = {}
        owner: dict[str, str] = {}
        for code, country in self.countries.items():
            for word in country.names:
                key = f"c{len(owner)}"
                owner[key] = code
                body = re.escape(word)
                bounded = body if _CJK.search(word) else rf"(?<![\w.]){body}(?![\w])"
                patterns[word + key] = f"(?P<{key}>{bounded})"
        return re.compile(_alternation(patterns)), owner

    @cached_property
    def _counterpart_regex(self) -> re.Pattern[str]:
        return re.compile(r"\bcounterparts?\b|对口|counterpart", re.IGNORECASE)

    def find_countries(self, text: str) -> list[tuple[int, int, str]]:
        """Country words (names, demonyms, capitals) in ``text`` as (start, end, country code)."""
        regex, owner = self._country_regex
        return [(m.start(), m.end(), owner[m.lastgroup]) for m in regex.finditer(text) if m.lastgroup]

    def find_names(self, text: str) -> list[Mention]:
        """Full-name references to known officials."""
        regex, owner = self._name_regex
        mentions = []
        for match in regex.finditer(text):
            assert match.lastgroup is not None
            official = self.officials[owner[match.lastgroup]]
            mentions.append(Mention(match.start(), match.end(), match.group(0), "name", official.country, official.id))
        return mentions

    def find_surnames(self, text: str, official_ids: set[str]) -> list[tuple[int, int, str, set[str]]]:
        """Bare surnames of officials already named in the article: (start, end, surname, ids)."""
        by_surname: dict[str, set[str]] = {}
        for official_id in official_ids:
            surname = self.officials[official_id].surname
            if surname:
                by_surname.setdefault(surname, set()).add(official_id)
        if not by_surname:
            return []
        alternation = "|".join(re.escape(s) for s in sorted(by_surname, key=len, reverse=True))
        regex = re.compile(rf"(?<![\w.])({alternation})(?!\w)(?!\s+[A-Z][a-z])")
        return [(m.start(), m.end(), m.group(1), by_surname[m.group(1)]) for m in regex.finditer(text)]

    def find_ranked_surnames(self, text: str, day: dt.date) -> list[Mention]:
        """ "Gen. Liu", "Adm. Dong", "Secretary Austin": a rank plus the surname of one office holder on ``day``."""
        by_surname: dict[str, list[Official]] = {}
        for official in self.officials.values():
            if official.surname and any(role.held_on(day) for role in official.roles):
                by_surname.setdefault(official.surname, []).append(official)
        if not by_surname:
            return []
        alternation = "|".join(re.escape(s) for s in sorted(by_surname, key=len, reverse=True))
        regex = re.compile(rf"(?:{RANK_WORDS})\s+(?P<surname>{alternation})(?![\w])(?!\s+[A-Z][a-z])")
        mentions = []
        for match in regex.finditer(text):
            holders = by_surname[match.group("surname")]
            if len(holders) == 1:
                official = holders[0]
                mentions.append(
                    Mention(
                        match.start("surname"),
                        match.end(),
                        match.group("surname"),
                        "surname",
                        official.country,
                        official.id,
                    )
                )
        return mentions

    def _qualifier(self, text: str, start: int) -> str | None:
        """The country word qualifying a title that starts at ``start``, if any."""
        window = text[max(0, start - _QUALIFIER_WINDOW) : start]
        breaks = list(_CLAUSE_BREAK.finditer(window))
        if breaks:
            window = window[breaks[-1].end() :]
        countries = self.find_countries(window)
        return countries[-1][2] if countries else None

    def find_titles(self, text: str, names: list[Mention]) -> list[Mention]:
        """Standalone titles ("the Pentagon chief", "his Chinese counterpart"), not yet resolved.

        A title followed or preceded by a person's name describes that person and is dropped:
        the name decides who it is (or, for a name the gazetteer lacks, that it is nobody we track).
        """
        regex, groups = self._title_regex
        found: list[Mention] = []
        for match in regex.finditer(text):
            assert match.lastgroup is not None
            office_ids, needs_country = groups[match.lastgroup]
            if self._next_to_a_name(text, match.start(), match.end(), names):
                continue
            qualifier = self._qualifier(text, match.start())
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
            found.append(Mention(match.start(), match.end(), match.group(0), "title", country, None, office_ids))
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
