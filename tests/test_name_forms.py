"""The forms of a person's name that the gazetteer looks for."""

from __future__ import annotations

from newswatch.name_forms import name_variants, title_variants


def test_russian_declines_a_foreign_name_and_its_last_word() -> None:
    forms = name_variants("Ллойд Остин")
    assert {"Ллойд Остин", "Ллойда Остина", "Ллойдом Остином", "Ллойду Остину"} <= set(forms)
    # A Chinese name: the family name usually stays, the given name is declined.
    assert {"Дун Цзюнем", "Дун Цзюня"} <= set(name_variants("Дун Цзюнь"))
    assert name_variants("Ли Шанфу") == ["Ли Шанфу"]  # ends in a vowel: not declined
    assert name_variants("Lloyd Austin") == ["Lloyd Austin"]


def test_russian_surnames_have_their_own_instrumental_and_an_undeclined_surname_keeps_its_form() -> None:
    belousov = name_variants("Андрей Белоусов")
    assert {"Андреем Белоусовым", "Андрея Белоусова", "Андрею Белоусову", "Андрее Белоусове"} <= set(belousov)
    assert {"Сергеем Шойгу", "Сергея Шойгу"} <= set(name_variants("Сергей Шойгу"))
    assert "Валерии Герасимове" in name_variants("Валерий Герасимов")
    assert name_variants("Шойгу") == ["Шойгу"]
    assert {"Остином", "Остиным"} <= set(name_variants("Остин"))  # the spelling does not tell which


def test_a_cyrillic_title_is_declined_by_its_head_word() -> None:
    assert title_variants("министр обороны") == [
        "министр обороны",
        "министра обороны",
        "министру обороны",
        "министром обороны",
        "министре обороны",
    ]
    assert "главой Пентагона" in title_variants("глава Пентагона")
    assert title_variants("Secretary of Defense") == ["Secretary of Defense"]
