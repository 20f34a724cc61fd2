"""newswatch.gazetteer: ranks from the lexicons, after any country's word; names in any alphabet."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from newswatch.gazetteer import Gazetteer, rank_words
from newswatch.settings import load_settings


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer(load_settings())


@pytest.mark.parametrize(
    "after_title",
    [
        ", Gen. Valery Gerasimov",
        " Adm. Dong Jun",
        ", Charles Q. Brown Jr.",
        " генерал армии В.В. Герасимов",
        " Андрей Белоусов",
        " general Dong Jun",
        " С. Шойгу",
    ],
)
def test_a_name_after_a_title_is_seen_in_any_alphabet_past_ranks(gazetteer: Gazetteer, after_title: str) -> None:
    assert gazetteer._following_name.match(after_title)


@pytest.mark.parametrize("after_title", [" said on Tuesday", ", who met", " и его коллега"])
def test_words_that_are_no_name_are_not_taken_for_one(gazetteer: Gazetteer, after_title: str) -> None:
    assert not gazetteer._following_name.match(after_title)


@pytest.mark.parametrize(
    "before", ["Gen. ", "PLA Gen. ", "Russian Gen. ", "U.S. Army Gen. ", "генерала ", "Secretary "]
)
def test_a_rank_before_a_surname_may_follow_any_countrys_word(gazetteer: Gazetteer, before: str) -> None:
    assert gazetteer._rank_before.search(before)


def test_rank_words_without_country_words_are_the_ranks_alone() -> None:
    assert rank_words("Gen\\.?", []) == "(?:Gen\\.?)"
    assert rank_words("Gen\\.?", ["U.S.", "US"]) == "(?:(?:U\\.S\\.|US)\\s+)?(?:Gen\\.?)"


def test_a_surname_in_each_script_is_found_declined_after_a_rank(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    officials = {
        "officials": [
            {
                "id": "valery-gerasimov",
                "name": "Valery Gerasimov",
                "country": "ru",
                "surname": ["Gerasimov", "Герасимов"],
                "roles": [{"office": "ru-cgs", "from": "2012-11-09"}],
            }
        ],
        "offices": {
            "ru-cgs": {
                "country": "ru",
                "name": "Chief of the General Staff",
                "level": "senior",
                "defence": True,
                "counterparts": [],
                "aliases": ["Chief of the General Staff"],
            }
        },
    }
    (folder / "officials.yaml").write_text(yaml.safe_dump(officials, allow_unicode=True))
    gazetteer = Gazetteer(load_settings(folder))
    text = "Остин поговорил с генералом Герасимовым."
    hits = gazetteer.references(text)
    mentions = gazetteer.find_ranked_surnames(text, dt.date(2022, 5, 13), hits)
    assert [(m.text, m.official_id) for m in mentions] == [("Герасимов", "valery-gerasimov")]


def test_a_declined_russian_title_is_the_office(gazetteer: Gazetteer) -> None:
    text = "Переговоры с главой Пентагона прошли по телефону."
    hits = gazetteer.references(text)
    assert [(text[start:end], ids) for start, end, (ids, _) in hits.titles] == [("главой Пентагона", ("us-secdef",))]


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("He spoke with his Chinese counterpart.", "counterpart"),
        ("Он поговорил со своим российским коллегой.", "коллегой"),
        ("Habló con su homólogo chino.", "homólogo"),
        ("与对口官员会谈", "对口"),
    ],
)
def test_counterpart_words_come_from_the_lexicons(gazetteer: Gazetteer, text: str, word: str) -> None:
    assert [found for _, _, found in gazetteer.references(text).counterparts] == [word]
