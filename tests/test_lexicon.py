"""The contact detector's lexicon files (config/lexicon/<lang>.yaml): loading, validation, a new
language added as a file, and Portuguese and French contacts detected end to end."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from newswatch.classify import Classifier
from newswatch.detection import vocabulary
from newswatch.errors import ConfigError
from newswatch.lexicon import CATEGORIES, PREDICATE_MODES, join, load_language, load_lexicon, shipped_folder
from newswatch.model import Article
from newswatch.seeds import read_seed_file
from tests.conftest import SEEDS


def _article(text: str, published: str = "2024-04-17") -> Article:
    return Article(ref="test.txt", published=dt.date.fromisoformat(published), text=text)


def _names(contact) -> list[str]:
    return sorted(p.name for p in contact.participants)


def _lexicon_folder(tmp_path: Path, name: str, text: str) -> Path:
    """A user config folder whose lexicon/ holds one file."""
    folder = tmp_path / "config"
    (folder / "lexicon").mkdir(parents=True)
    (folder / "lexicon" / name).write_text(text, encoding="utf-8")
    return folder


# --- loading -----------------------------------------------------------------------------------


def test_the_shipped_lexicon_loads_in_a_stable_language_order() -> None:
    lexicon = load_lexicon()
    assert lexicon.codes == ("en", "es", "zh", "de", "fr", "ja", "ko", "pt", "ru", "vi")
    assert load_lexicon() is lexicon  # loaded and validated once
    assert {path.stem for path in shipped_folder().glob("*.yaml")} == set(lexicon.codes)
    for category in CATEGORIES:
        re.compile(lexicon.alternation(category))
    assert lexicon.fragments("meeting")[0] == r"\bmet\b"  # English first, as written
    assert "視訊會議" in lexicon.fragments("video_call")  # traditional Chinese beside simplified
    assert lexicon.dateline_cities["北京"] == "Beijing"
    assert lexicon.dateline_cities["華盛頓"] == "Washington"


def test_every_fragment_keeps_the_guarded_first_character_look_ahead() -> None:
    """A fragment must begin with \\b and a word, or a word: the detector skips text by the
    characters its patterns start with (newswatch.matching.guarded). English's optional
    "(?:tele)?phone" leaves the phone pattern unguarded, as it always was."""
    patterns = dict(vocabulary.PREDICATES)
    guarded = [
        *(patterns[mode] for mode in PREDICATE_MODES if mode != "phone_call"),
        *(pattern for _, pattern in vocabulary.OBJECT_PREDICATES),
        *vocabulary.REFUSALS_BY_LANGUAGE,
        *vocabulary.PLANS_BY_LANGUAGE,
        *vocabulary.CONDITIONS_BY_LANGUAGE,
        vocabulary.CLAUSE_START,
        vocabulary.LOCATION_STOP,
        vocabulary.BACKGROUND_TAIL,
        vocabulary.REPORTED_ON,
        vocabulary.EARLIER,
    ]
    for pattern in guarded:
        assert pattern.pattern.startswith("(?=["), pattern.pattern[:80]


@pytest.mark.parametrize(
    "fragments",
    [
        [r"\bmet\b", r"\bmeets?\b", r"\b(?:tele)?phone\b", "视频通话", r"\bvisit(?:ed|s)?\b"],
        [r"\bcall\b", r"\bcalls?\b|llamada", r"\bcalled\b", r"[,;]\s*", r"\b[]a]b"],
        [],
    ],
)
def test_the_joined_alternation_matches_as_the_fragments_joined_plainly(fragments: list[str]) -> None:
    text = "Austin met Dong; they phoned, meets and visits, 视频通话, called a call llamada, ]b ab."
    joined = re.compile(join(fragments), re.IGNORECASE)
    plain = re.compile("|".join(fragments) or r"(?!)", re.IGNORECASE)
    assert [m.span() for m in joined.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_other_languages_words_find_nothing_new_in_english_text() -> None:
    """The Portuguese and French fragments add no match to the English seeds: English
    classification is what it was before they were added."""
    lexicon = load_lexicon()
    english = next(language for language in lexicon.languages if language.language == "en")
    texts = [read_seed_file(path).text for path in sorted(SEEDS.glob("*.txt"))]
    assert texts
    for category in CATEGORIES:
        flags = 0 if category in ("clause_starts", "location_stops") else re.IGNORECASE
        every = re.compile(lexicon.alternation(category), flags)
        alone = re.compile(join(english.fragments[category]), flags)
        for text in texts:
            assert [m.span() for m in every.finditer(text)] == [m.span() for m in alone.finditer(text)], category


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("language: de\nmeetings: ['\\btrafen\\b']\n", r"de\.yaml: meetings: unknown category"),
        ("meeting: ['\\btrafen\\b']\n", r"de\.yaml: language: missing"),
        ("language: fr\nmeeting: ['\\btrafen\\b']\n", r"de\.yaml: language: 'fr' differs from the file's name"),
        ("language: de\nmeeting: [42]\n", r"de\.yaml: meeting: 42 is not a string"),
        ("language: de\nrefusals: [['\\blehnte ab']]\n", r"de\.yaml: refusals: \['\\\\blehnte ab'\] is not a string"),
        ("language: de\nplans: '\\bwird\\b'\n", r"de\.yaml: plans: expected a list"),
        (
            "language: de\nmeeting: ['\\btrafen (?:sich']\n",
            r"de\.yaml: meeting: '\\\\btrafen \(\?:sich' is not a valid regular expression",
        ),
        ("language: de\nconditions: ['\\b(?:falls)?']\n", r"de\.yaml: conditions: .* can match an empty string"),
        ("language: de\ndateline_cities: [Berlin]\n", r"de\.yaml: dateline_cities: expected a mapping"),
        ("- language: de\n", r"de\.yaml: expected a mapping at the top level"),
    ],
)
def test_an_invalid_lexicon_file_is_a_config_error_naming_file_and_category(
    tmp_path: Path, text: str, expected: str
) -> None:
    folder = _lexicon_folder(tmp_path, "de.yaml", text)
    with pytest.raises(ConfigError, match=expected):
        load_language(folder / "lexicon" / "de.yaml")
    with pytest.raises(ConfigError, match=expected):
        load_lexicon(folder)


# --- a language is a file ---------------------------------------------------------------------


def test_a_new_language_file_in_the_users_lexicon_folder_is_picked_up(tmp_path: Path) -> None:
    folder = _lexicon_folder(
        tmp_path,
        "it.yaml",
        "language: it\nmeeting: ['\\bsi sono incontrati\\b', '\\bincontro\\b']\nrefusals: ['\\brifiutato\\b']\n",
    )
    lexicon = load_lexicon(folder)
    shipped = ("en", "es", "zh", "de", "fr", "ja", "ko", "pt", "ru", "vi")
    assert lexicon.codes == ("en", "es", "zh", "de", "fr", "it", "ja", "ko", "pt", "ru", "vi")  # the others by code
    meeting = re.compile(lexicon.alternation("meeting"), re.IGNORECASE)
    found = meeting.search("Austin e Dong si sono incontrati martedì")
    assert found is not None and found.group(0) == "si sono incontrati"
    assert lexicon.fragments("told") == load_lexicon().fragments("told")  # categories it leaves out: none
    assert load_lexicon().codes == shipped  # the shipped lexicon is untouched


def test_a_users_file_replaces_the_shipped_file_of_the_same_name(tmp_path: Path) -> None:
    folder = _lexicon_folder(tmp_path, "fr.yaml", "language: fr\nmeeting: ['\\bs''est réuni\\b']\n")
    lexicon = load_lexicon(folder)
    french = next(language for language in lexicon.languages if language.language == "fr")
    assert french.fragments["meeting"] == (r"\bs'est réuni\b",)
    assert french.fragments["refusals"] == ()


# --- Portuguese and French, end to end ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "published", "mode"),
    [
        (
            "O secretário de Defesa dos EUA, Lloyd Austin, conversou por videoconferência nesta terça-feira com o "
            "ministro da Defesa da China, Dong Jun, segundo um comunicado divulgado pelo Pentágono após a conversa.",
            "2024-04-17",
            "video_call",
        ),
        (
            "Lloyd Austin reuniu-se com o ministro da Defesa chinês, Dong Jun, à margem de uma conferência regional "
            "de segurança em Singapura, num encontro de mais de uma hora a portas fechadas.",
            "2024-06-01",
            "meeting",
        ),
        (
            "Le secrétaire américain à la Défense, Lloyd Austin, s'est entretenu par visioconférence mardi avec le "
            "ministre chinois de la Défense, Dong Jun, a annoncé le Pentagone dans un communiqué publié le soir même.",
            "2024-04-17",
            "video_call",
        ),
        (
            "Lloyd Austin a rencontré le ministre chinois de la Défense, Dong Jun, en marge d’une conférence "
            "régionale sur la sécurité à Singapour, lors d’un entretien de plus d’une heure.",
            "2024-06-01",
            "meeting",
        ),
    ],
)
def test_a_portuguese_or_french_contact_is_detected(
    classifier: Classifier, text: str, published: str, mode: str
) -> None:
    contact = classifier.classify(_article(text, published)).contact
    assert contact is not None and contact.status == "held"
    assert contact.mode == mode
    assert _names(contact) == ["Dong Jun", "Lloyd Austin"]
    # (no Portuguese or French date words yet: the date is the article's)
    assert contact.date == dt.date.fromisoformat(published)


def test_a_portuguese_or_french_phone_call(classifier: Classifier) -> None:
    for text in (
        "O secretário de Guerra dos EUA, Pete Hegseth, teve uma conversa telefônica com o ministro da Defesa da "
        "China, Dong Jun, a primeira desde que assumiu o cargo, informou o Pentágono.",
        "Le secrétaire américain à la Guerre, Pete Hegseth, a eu un entretien téléphonique avec le ministre chinois "
        "de la Défense, Dong Jun, leur premier échange depuis son entrée en fonctions.",
    ):
        contact = classifier.classify(_article(text, "2025-09-12")).contact
        assert contact is not None and contact.mode == "phone_call", text
        assert _names(contact) == ["Dong Jun", "Pete Hegseth"]


@pytest.mark.parametrize(
    "text",
    [
        "O ministro da Defesa da China, Dong Jun, recusou o pedido do secretário de Defesa dos EUA, Lloyd Austin, "
        "para uma reunião durante a conferência regional de segurança em Singapura neste fim de semana.",
        "Dong Jun não se reuniu com Lloyd Austin em Singapura, apesar de os dois estarem na mesma conferência "
        "regional de segurança durante todo o fim de semana.",
        "Le ministre chinois de la Défense, Dong Jun, a refusé de rencontrer le secrétaire américain à la Défense, "
        "Lloyd Austin, lors de la conférence régionale sur la sécurité à Singapour ce week-end.",
        "Lloyd Austin pourrait s'entretenir avec Dong Jun si Pékin acceptait la demande américaine d'un entretien "
        "entre les deux ministres de la Défense, selon un responsable.",
    ],
)
def test_a_portuguese_or_french_refusal_or_condition_is_no_contact(classifier: Classifier, text: str) -> None:
    assert classifier.classify(_article(text)).contact is None


@pytest.mark.parametrize(
    "text",
    [
        "O secretário de Defesa dos EUA, Lloyd Austin, vai se reunir com o ministro da Defesa da China, Dong Jun, "
        "na próxima semana em Singapura, segundo autoridades dos dois países citadas pela imprensa local.",
        "Le secrétaire américain à la Défense, Lloyd Austin, doit rencontrer le ministre chinois de la Défense, "
        "Dong Jun, la semaine prochaine à Singapour, selon des responsables des deux pays cités par la presse.",
    ],
)
def test_a_portuguese_or_french_plan_is_planned_not_held(classifier: Classifier, text: str) -> None:
    contact = classifier.classify(_article(text)).contact
    assert contact is not None and contact.status == "planned"
    assert _names(contact) == ["Dong Jun", "Lloyd Austin"]


def test_date_words_are_checked_when_loaded(tmp_path: Path) -> None:
    bad = tmp_path / "xx.yaml"
    bad.write_text("language: xx\nmonths: {Smarch: 13}\n")
    with pytest.raises(ConfigError, match=r"xx.yaml: months: Smarch: 13 is outside 1 to 12"):
        load_language(bad)
    bad.write_text("language: xx\nweekdays: [lundi]\n")
    with pytest.raises(ConfigError, match=r"xx.yaml: weekdays: expected a mapping of word → whole number \(0 to 6\)"):
        load_language(bad)
