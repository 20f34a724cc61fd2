"""newswatch.gazetteer: ranks from the lexicons, after any country's word; names in any alphabet."""

from __future__ import annotations

import pytest

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
