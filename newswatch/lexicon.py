"""The contact detector's vocabulary: one lexicon file per language, ``config/lexicon/<lang>.yaml``.

A file names its language and lists, per category, regular-expression fragments (strings)::

    language: pt
    video_call: ['\\bvideoconferências?\\b', '\\bpor vídeo\\b']
    refusals: ['\\brecus(?:ou|aram)\\b', ...]

Categories (a file may leave one out, or give it an empty list):
    video_call, phone_call, call, meeting, unspecified
                     contact predicates, by the mode they imply (``PREDICATE_MODES``)
    told             "X told Y": a contact if an official follows the word
    hosted           "X hosted Y": a meeting if an official follows the word ("a summit hosted
                     annually in Singapore" is not one)
    refusals         refused, cancelled, requested, a handshake: not a contact
    plans            announced for the future: a planned contact
    conditions       hopes, conditions: not a contact
    refusals_after, plans_after, conditions_after
                     the same, right after the predicate in its clause, for languages that put
                     them there ("会談する予定", "회담할 예정", "das Treffen wurde abgesagt")
    forums_after     right after a predicate (matched where it ends), they make it a gathering of
                     many: "a regional meeting of defense ministers"
    earlier          in the predicate's clause before it, they make it an earlier contact the
                     article recalls: "had met", "曾与…会晤"
    infinitives      right before a predicate (ending with ``$``), they announce it: "wanted to"
    headline_infinitives
                     anywhere before a predicate in a headline, they announce it (case kept)
    clause_starts    where a clause begins (plans and conditions apply within the predicate's)
    location_stops   after these, a place is no longer the contact's
    background_tail  after these, predicates and officials speak of an earlier contact
    reported_on      right before a date, they make it the date of the report
    ranks            ranks and honorifics between a title and a name, or before a surname
                     ("Gen.", "генерал армии"; case-sensitive; newswatch.gazetteer lets any
                     country's word of newswatch.yaml precede one: "Russian Gen.")
    place_before     right before a meeting's place ("in ", "в "): the place is the capitalised
                     words after it (case-sensitive)
    counterparts     a word for the other side's holder of the same office ("counterpart",
                     "коллега", "对口"), resolved through the offices' customary counterparts
    month_before     right before a month, they date something to that month ("in May", "в октябре")
    dateline_cities  (a mapping, not fragments) a city as text writes it, in a dateline or after
                     place_before → its English name ("БЕРН", "Берне" → Bern); a place in a
                     script other than Latin is taken only when named here
    months           (a mapping) a month's word as text writes it → its number, 1–12 ("July": 7,
                     "июля": 7); matched case-sensitively, a lower-case word also capitalised
    weekdays         (a mapping) a weekday's word → 0 (Monday) … 6 (Sunday) ("среду": 2)
    relative_days    (a mapping) a word or phrase → days from the article's date ("вчера": -1)

The detector (newswatch.detection.vocabulary) joins every language's fragments of a category into one
alternation, languages in a stable order (``LEADING_LANGUAGES``, then the others by code), and
compiles it once at import. A fragment should start with ``\\b`` before a word: the detector
skips text by the characters its fragments start with (newswatch.matching.guarded).

Adding a language is adding a file. A user configuration folder's ``lexicon/`` may add files or
replace shipped ones of the same name (``load_lexicon(config_dir)``). Every file is validated
when loaded: an error names the file, the category and the fragment at fault (ConfigError); a
fragment that can take exponential time to match (``(a+)+``, see newswatch.regex_safety's
``backtracking_risk``) is refused too.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from newswatch.errors import ConfigError
from newswatch.regex_analysis import min_width
from newswatch.regex_safety import backtracking_risk
from newswatch.settings import load_yaml

PREDICATE_MODES = ("video_call", "phone_call", "call", "meeting", "unspecified")
CATEGORIES = (
    *PREDICATE_MODES,
    "told",
    "hosted",
    "refusals",
    "plans",
    "conditions",
    "refusals_after",
    "plans_after",
    "conditions_after",
    "forums_after",
    "earlier",
    "infinitives",
    "headline_infinitives",
    "clause_starts",
    "location_stops",
    "background_tail",
    "reported_on",
    "ranks",
    "place_before",
    "month_before",
    "counterparts",
)
MAPPINGS = ("dateline_cities", "months", "weekdays", "relative_days")
# The range of each numeric mapping's values.
_NUMBER_RANGES = {"months": (1, 12), "weekdays": (0, 6), "relative_days": (-7, 0)}
LEADING_LANGUAGES = ("en", "es", "zh")  # then the others, by code
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
_NEVER = r"(?!)"  # the alternation of a category no language fills: matches nothing


@dataclass(frozen=True)
class LanguageLexicon:
    """One language's vocabulary, as its file states it."""

    language: str
    path: Path
    fragments: Mapping[str, tuple[str, ...]]  # category → fragments, every category present
    dateline_cities: Mapping[str, str]
    numbers: Mapping[str, Mapping[str, int]] = field(default_factory=dict)  # months, weekdays, relative_days


@dataclass(frozen=True)
class Lexicon:
    """Every language's vocabulary, in the order their fragments are joined."""

    languages: tuple[LanguageLexicon, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(language.language for language in self.languages)

    def fragments(self, category: str) -> tuple[str, ...]:
        """The category's fragments of every language, in order."""
        if category not in CATEGORIES:
            raise KeyError(category)
        return tuple(fragment for language in self.languages for fragment in language.fragments[category])

    def alternation(self, category: str) -> str:
        """The category's fragments joined into one regular expression (see ``join``)."""
        return join(self.fragments(category))

    def words(self, mapping: str) -> dict[str, int]:
        """A numeric mapping (months, weekdays, relative_days) of every language; an earlier
        language's word is kept where a later one has it too."""
        if mapping not in _NUMBER_RANGES:
            raise KeyError(mapping)
        merged: dict[str, int] = {}
        for language in self.languages:
            for word, number in language.numbers.get(mapping, {}).items():
                merged.setdefault(word, number)
        return merged

    @property
    def dateline_cities(self) -> dict[str, str]:
        """Every language's dateline cities (a later language does not replace an earlier one's)."""
        cities: dict[str, str] = {}
        for language in self.languages:
            for city, name in language.dateline_cities.items():
                cities.setdefault(city, name)
        return cities


def _top_level_alternation(fragment: str) -> bool:
    """Whether ``fragment`` has a ``|`` outside any group or character class."""
    depth, index, in_class = 0, 0, False
    while index < len(fragment):
        char = fragment[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if fragment[index + 1 : index + 2] == "^":
                index += 1
            if fragment[index + 1 : index + 2] == "]":  # a "]" first in a class is a character
                index += 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
        index += 1
    return False


def join(fragments: Sequence[str]) -> str:
    """One alternation of ``fragments``, in their order, with the ``\\b`` that starts each run of
    them written once: ``\\bA|\\bB|C`` → ``\\b(?:A|B)|C``.

    The same matches as the fragments joined by ``|``, found faster: where a position is inside
    a word, ``re`` fails the one ``\\b`` instead of trying every alternative there (the
    fragments of several languages in one pattern: two to four times faster on news sentences).
    """
    parts: list[str] = []
    run: list[str] = []
    for fragment in fragments:
        if (
            fragment.startswith("\\b")
            and fragment[2:3] not in ("", "?", "*", "+", "{")
            and not _top_level_alternation(fragment)
        ):
            run.append(fragment[2:])
            continue
        if run:
            parts.append(f"\\b(?:{'|'.join(run)})")
            run = []
        parts.append(fragment)
    if run:
        parts.append(f"\\b(?:{'|'.join(run)})")
    return "|".join(parts) or _NEVER


def shipped_folder() -> Path:
    return Path(str(resources.files("newswatch.config"))) / "lexicon"


def lexicon_files(config_dir: Path | None = None) -> list[Path]:
    """The lexicon files: the shipped ones, each replaced by a file of the same name in the user's
    ``lexicon/`` folder, plus the files only the user's folder has."""
    files = {path.name: path for path in sorted(shipped_folder().glob("*.yaml"))}
    user = config_dir / "lexicon" if config_dir is not None else None
    if user is not None and user.is_dir():
        files.update((path.name, path) for path in sorted(user.glob("*.yaml")))
    return list(files.values())


def _may_be_empty(pattern: re.Pattern[str]) -> bool:
    try:
        return min_width(pattern) == 0
    except Exception:  # re's internal parser (see newswatch.regex_analysis): if it changes, ask re
        return pattern.fullmatch("") is not None


def _fragments(path: Path, category: str, value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError(f"{path}: {category}: expected a list of regular expressions, not {type(value).__name__}")
    for fragment in value:
        if not isinstance(fragment, str):
            raise ConfigError(f"{path}: {category}: {fragment!r} is not a string (quote it)")
        try:
            compiled = re.compile(fragment)
        except re.error as exc:
            raise ConfigError(f"{path}: {category}: {fragment!r} is not a valid regular expression: {exc}") from None
        if _may_be_empty(compiled):
            raise ConfigError(f"{path}: {category}: {fragment!r} can match an empty string (it would match anywhere)")
        risk = backtracking_risk(fragment, re.IGNORECASE)
        if risk is not None:
            raise ConfigError(f"{path}: {category}: {fragment!r} {risk}")
    return tuple(value)


def _cities(path: Path, category: str, value: object) -> Mapping[str, str]:
    if value is None:
        return MappingProxyType({})
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ConfigError(f"{path}: {category}: expected a mapping of dateline city to its English name")
    return MappingProxyType(dict(value))


def _numbers(path: Path, mapping: str, value: object) -> Mapping[str, int]:
    if value is None:
        return MappingProxyType({})
    low, high = _NUMBER_RANGES[mapping]
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and k.strip() and isinstance(v, int) and not isinstance(v, bool) for k, v in value.items()
    ):
        raise ConfigError(f"{path}: {mapping}: expected a mapping of word → whole number ({low} to {high})")
    outside = [f"{k}: {v}" for k, v in value.items() if not low <= v <= high]
    if outside:
        raise ConfigError(f"{path}: {mapping}: {outside[0]} is outside {low} to {high}")
    return MappingProxyType(dict(value))


def load_language(path: Path) -> LanguageLexicon:
    """One lexicon file, validated.

    Raises:
        ConfigError: naming the file, the category and the fragment at fault.
    """
    data = load_yaml(path)
    language = data.get("language")
    if language is None:
        raise ConfigError(f"{path}: language: missing (the language code, e.g. `language: {path.stem}`)")
    if not isinstance(language, str) or not _LANGUAGE_CODE.match(language):
        raise ConfigError(f"{path}: language: {language!r} is not a language code")
    if language != path.stem:
        raise ConfigError(f"{path}: language: {language!r} differs from the file's name ({path.stem}.yaml)")
    unknown = [str(key) for key in data if key != "language" and key not in CATEGORIES and key not in MAPPINGS]
    if unknown:
        raise ConfigError(
            f"{path}: {', '.join(unknown)}: unknown category (known: {', '.join((*CATEGORIES, *MAPPINGS))})"
        )
    return LanguageLexicon(
        language=language,
        path=path,
        fragments=MappingProxyType(
            {category: _fragments(path, category, data.get(category)) for category in CATEGORIES}
        ),
        dateline_cities=_cities(path, "dateline_cities", data.get("dateline_cities")),
        numbers=MappingProxyType({mapping: _numbers(path, mapping, data.get(mapping)) for mapping in _NUMBER_RANGES}),
    )


def _order(code: str) -> tuple[int, str]:
    return (LEADING_LANGUAGES.index(code), "") if code in LEADING_LANGUAGES else (len(LEADING_LANGUAGES), code)


@functools.cache
def load_lexicon(config_dir: Path | None = None) -> Lexicon:
    """Every lexicon file (see ``lexicon_files``), validated once and cached.

    Raises:
        ConfigError: naming the file, the category and the fragment at fault.
    """
    languages = sorted((load_language(path) for path in lexicon_files(config_dir)), key=lambda lx: _order(lx.language))
    if not languages:
        raise ConfigError(f"{shipped_folder()}: no lexicon files (<language>.yaml)")
    lexicon = Lexicon(tuple(languages))
    for category in CATEGORIES:
        try:
            re.compile(lexicon.alternation(category))
        except re.error as exc:  # each fragment compiles: a global flag such as (?i) not at the start
            files = ", ".join(str(lx.path) for lx in languages if lx.fragments[category])
            raise ConfigError(f"{files}: {category}: the fragments do not compile together: {exc}") from None
    return lexicon
