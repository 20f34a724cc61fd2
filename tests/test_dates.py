"""Date expressions resolved against the article's date."""

from __future__ import annotations

import datetime as dt

import pytest

from newswatch.dates import find_dates


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("spoke on Tuesday", "2024-04-17", "2024-04-16"),  # Wednesday's article
        ("spoke on Wednesday", "2024-04-17", "2024-04-17"),  # the same day
        ("held a video conference on Thursday night (21)", "2023-12-22", "2023-12-21"),
        ("called him on Oct. 30, 2020, four days before the vote", "2021-09-15", "2020-10-30"),
        ("spoke again on Jan. 8", "2021-09-15", "2021-01-08"),
        ("on the morning of Sept. 10 Beijing time", "2024-09-11", "2024-09-10"),
        ("spoke on Dec. 21", "2024-01-03", "2023-12-21"),  # the latest Dec. 21 before publication
        ("met on 31 May", "2024-06-03", "2024-05-31"),
        ("his talks a day earlier", "2024-06-01", "2024-05-31"),
        ("Ten days ago Austin held a call", "2024-04-26", "2024-04-16"),
        ("于8月29日会见", "2024-08-30", "2024-08-29"),
        ("on 2024-04-16", "2024-04-20", "2024-04-16"),
    ],
)
def test_day_precise_dates(text: str, published: str, expected: str) -> None:
    found = find_dates(text, dt.date.fromisoformat(published))
    assert found and found[0].date.isoformat() == expected
    assert found[0].precision == "day"


def test_imprecise_dates_say_so() -> None:
    (week,) = find_dates("last week's video call", dt.date(2023, 12, 29))
    assert week.precision == "week"
    (month,) = find_dates("suspended in August 2022", dt.date(2023, 12, 29))
    assert (month.date, month.precision) == (dt.date(2022, 8, 1), "month")


def test_a_relative_phrase_tied_to_another_event_is_not_a_date() -> None:
    assert [d.text for d in find_dates("four days before the vote", dt.date(2021, 9, 15))] == []
