"""Splitting an article into paragraphs and sentences (newswatch.text)."""

from __future__ import annotations

from newswatch.text import split_article, split_sentences


def test_initials_do_not_end_a_sentence() -> None:
    assert split_sentences(
        "CAMP H.M. SMITH, Hawaii (Wire) — Adm. Paparo spoke with Gen. Wu on Monday. It lasted an hour."
    ) == [
        "CAMP H.M. SMITH, Hawaii (Wire) — Adm. Paparo spoke with Gen. Wu on Monday.",
        "It lasted an hour.",
    ]
    assert split_sentences("Then Lt. Gen. J.R. Smith left. He flew home.") == [
        "Then Lt. Gen. J.R. Smith left.",
        "He flew home.",
    ]


def test_sentences_end_before_a_capital_or_a_caseless_letter_in_any_script() -> None:
    assert split_sentences("Министры встретились. Позже они говорили.") == [
        "Министры встретились.",
        "Позже они говорили.",
    ]
    assert split_sentences("회담을 가졌다. 두 장관은 만났다.") == ["회담을 가졌다.", "두 장관은 만났다."]
    assert split_sentences("Il a dit. élégamment.") == ["Il a dit. élégamment."]  # lower case goes on


def test_a_page_with_one_paragraph_a_line_keeps_its_headline_out_of_the_lead() -> None:
    page = (
        "Chiefs talk by video\n"
        "By a staff writer\n"
        "WASHINGTON — The two defence chiefs held a video call on Tuesday, officials said.\n"
        "This line was wrapped because the text it comes from was written with a hard wrap at\n"
        "seventy characters and goes on here."
    )
    texts = [s.text for s in split_article(page)]
    assert texts[:3] == [
        "Chiefs talk by video",
        "By a staff writer",
        "WASHINGTON — The two defence chiefs held a video call on Tuesday, officials said.",
    ]
    assert texts[3].endswith("seventy characters and goes on here.")  # a wrapped line is folded
    assert {s.paragraph for s in split_article(page)} == {0}  # still one paragraph: blank lines part them


def test_initials_of_any_alphabet_do_not_end_a_sentence() -> None:
    assert split_sentences("Начальник Генштаба В.В. Герасимов провёл переговоры. Стороны обсудили.") == [
        "Начальник Генштаба В.В. Герасимов провёл переговоры.",
        "Стороны обсудили.",
    ]
    assert split_sentences("Министр С. Шойгу поговорил с Л. Остином. Об этом сообщили.") == [
        "Министр С. Шойгу поговорил с Л. Остином.",
        "Об этом сообщили.",
    ]
    assert split_sentences("Они говорили долго. Потом ушли.") == ["Они говорили долго.", "Потом ушли."]
