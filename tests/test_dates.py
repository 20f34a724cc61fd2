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


# --- a day of the month alone, last month, other scripts --------------------------------------------


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("16일(현지시간)", dt.date(2024, 6, 1), dt.date(2024, 5, 16)),  # last month, not a year ago
        ("十五日", dt.date(2024, 1, 3), dt.date(2023, 12, 15)),  # across a year end: one month back
        ("二十一日晚", dt.date(2024, 1, 23), dt.date(2024, 1, 21)),
        ("本月十日", dt.date(2024, 1, 23), dt.date(2024, 1, 10)),
        ("31日", dt.date(2024, 3, 5), dt.date(2024, 1, 31)),  # February has no 31st
        ("2024년 5월 31일", dt.date(2024, 6, 1), dt.date(2024, 5, 31)),
        ("5월 31일", dt.date(2024, 6, 1), dt.date(2024, 5, 31)),
    ],
)
def test_a_day_of_the_month_is_this_month_or_the_one_before(text: str, published: dt.date, expected: dt.date) -> None:
    (mention,) = find_dates(text, published)
    assert mention.date == expected and mention.precision == "day"


@pytest.mark.parametrize("text", ["last month", "先月", "上个月", "지난달", "le mois dernier", "в прошлом месяце"])
def test_last_month_is_a_month(text: str) -> None:
    (mention,) = find_dates(f"x {text} y", dt.date(2025, 10, 31))
    assert (mention.date, mention.precision) == (dt.date(2025, 9, 1), "month")


def test_a_weekday_may_be_the_next_day_in_another_time_zone() -> None:
    # A Washington paper dated Wednesday 2024-08-28 reports Thursday's meeting in Beijing.
    (mention,) = find_dates("met Thursday", dt.date(2024, 8, 28))
    assert mention.date == dt.date(2024, 8, 29)
    (mention,) = find_dates("met Tuesday", dt.date(2024, 8, 28))
    assert mention.date == dt.date(2024, 8, 27)


def test_a_day_in_the_coming_days_is_this_years_not_a_year_back() -> None:
    (mention,) = find_dates("5月31日", dt.date(2024, 5, 29))
    assert mention.date == dt.date(2024, 5, 31)
    (mention,) = find_dates("on June 20", dt.date(2024, 5, 29))  # weeks ahead: last year's
    assert mention.date == dt.date(2023, 6, 20)


def test_every_pattern_is_paired_with_its_resolver() -> None:
    from newswatch.dates import PATTERNS

    kinds = [entry.kind for entry in PATTERNS]
    assert len(kinds) == len(set(kinds))
    assert all(callable(entry.resolve) for entry in PATTERNS)


# --- 号 (spoken and press Chinese), ranges of days, and what a date was resolved against ------------


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("双方于本月12号举行视频通话", dt.date(2024, 3, 20), dt.date(2024, 3, 12)),
        ("代表团6月3號抵达", dt.date(2024, 6, 9), dt.date(2024, 6, 3)),
        ("本月8号至11号率团访问", dt.date(2024, 5, 20), dt.date(2024, 5, 8)),  # a visit: its first day
        ("5月8日至11日访问", dt.date(2024, 5, 20), dt.date(2024, 5, 8)),
        ("8至11日访问", dt.date(2024, 5, 20), dt.date(2024, 5, 8)),
        ("8~11일 방문", dt.date(2024, 5, 20), dt.date(2024, 5, 8)),
    ],
)
def test_hao_is_a_day_and_a_range_of_days_is_its_first(text: str, published: dt.date, expected: dt.date) -> None:
    (found,) = find_dates(text, published)
    assert (found.date, found.precision) == (expected, "day")


@pytest.mark.parametrize("text", ["乘坐地铁5号线", "中央1号文件", "嫦娥6号卫星", "18号楼"])
def test_a_numbered_thing_is_not_a_day(text: str) -> None:
    assert find_dates(text, dt.date(2024, 5, 20)) == []


def test_a_date_says_whether_it_was_resolved_against_the_article_date() -> None:
    stated, counted = find_dates("on Dec. 21, 2023, and again on Thursday", dt.date(2025, 4, 12))
    assert (stated.date, stated.relative) == (dt.date(2023, 12, 21), False)
    assert (counted.date, counted.relative) == (dt.date(2025, 4, 10), True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 июля 2024 года", dt.date(2024, 7, 12)),
        ("переговоры 12 июля", dt.date(2024, 7, 12)),
        ("в пятницу", dt.date(2024, 7, 12)),
        ("в среду", dt.date(2024, 7, 10)),
        ("вчера", dt.date(2024, 7, 12)),
        ("накануне", dt.date(2024, 7, 12)),
        ("16 de abril de 2024", dt.date(2024, 4, 16)),
        ("el Jueves", dt.date(2024, 7, 11)),
    ],
)
def test_date_words_come_from_each_languages_lexicon(text: str, expected: dt.date) -> None:
    (mention,) = find_dates(text, dt.date(2024, 7, 13))
    assert mention.date == expected


def test_a_month_word_is_not_the_start_of_a_longer_word() -> None:
    assert find_dates("12 маяков и the ministers may meet", dt.date(2024, 7, 13)) == []
