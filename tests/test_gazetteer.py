"""The gazetteer's forms of names and the scripts it reads."""

from __future__ import annotations

from newswatch.gazetteer import name_variants
from newswatch.matching import bounded


def test_russian_declines_a_foreign_name_and_its_last_word() -> None:
    forms = name_variants("Ллойд Остин")
    assert {"Ллойд Остин", "Ллойда Остина", "Ллойдом Остином", "Ллойду Остину"} <= set(forms)
    # A Chinese name: the family name usually stays, the given name is declined.
    assert {"Дун Цзюнем", "Дун Цзюня"} <= set(name_variants("Дун Цзюнь"))
    assert name_variants("Ли Шанфу") == ["Ли Шанфу"]  # ends in a vowel: not declined
    assert name_variants("Lloyd Austin") == ["Lloyd Austin"]


def test_korean_and_japanese_terms_are_found_inside_words() -> None:
    import re

    # Korean joins particles to the word ("오스틴과", with Austin); Japanese writes no spaces.
    assert re.search(bounded("오스틴"), "로이드 오스틴과 둥쥔은")
    assert re.search(bounded("ヘグセス"), "米国のヘグセス国防長官")
    assert not re.search(bounded("Austin"), "Austinville")
