"""Finding date expressions in a sentence and resolving them against the article's date.

News copy dates events relative to publication: "on Tuesday" in an article of Wednesday
2024-04-17 is 2024-04-16; "Thursday night (21)" is the 21st; "Dec. 21" without a year is the
latest Dec. 21 not after publication (or in the coming days). All functions here are pure.

``PATTERNS`` is the registry (feedparser's ``datetimes`` is the model): each date expression is
paired with the function that resolves it against the article's date, and the one that reads it
as a future date ("will meet on Friday"). Adding a form of date is adding an entry.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from newswatch.lexicon import load_lexicon
from newswatch.matching import PatternFilter, compile_guarded

Precision = Literal["day", "week", "month"]

# Month and weekday words and days counted from the article's date, of every language's lexicon
# file (config/lexicon/<language>.yaml: months, weekdays, relative_days); Chinese numbers and
# weekdays are written into the patterns below, which read them by their characters.
_LEXICON = load_lexicon()
MONTHS = {word.lower().rstrip("."): number for word, number in _LEXICON.words("months").items()}
WEEKDAY_NUMBERS = {
    **{word.lower(): number for word, number in _LEXICON.words("weekdays").items()},
    **{name: number for number, name in enumerate("一二三四五六日")},
    "天": 6,
}
_ENGLISH = next((language for language in _LEXICON.languages if language.language == "en"), None)


def _english_names(mapping: str, count: int) -> tuple[str, ...]:
    """English's longest word for each month or weekday ("September", not "Sept."), as text
    writes it: what an English sentence calls it."""
    words = _ENGLISH.numbers.get(mapping, {}) if _ENGLISH else {}
    first = 1 if mapping == "months" else 0
    return tuple(
        max((w for w, n in words.items() if n == number), key=len, default="") for number in range(first, first + count)
    )


MONTH_NAMES = _english_names("months", 12)
WEEKDAY_NAMES = _english_names("weekdays", 7)


def _word_alternation(words: Iterable[str]) -> str:
    """Words as one alternation, longest first, each also capitalised when written in lower case
    ("julio", "Julio"); matched case-sensitively, and not as the start of a longer word."""
    forms = {form for word in words for form in (word, word[:1].upper() + word[1:])}
    return "(?:" + "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True)) + r")(?![^\W\d_])"


NUMBER_WORDS = {
    "a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14,
}  # fmt: skip

_MONTH = rf"(?P<month>{_word_alternation(_LEXICON.words('months'))})"
_WEEKDAY = rf"(?P<weekday>{_word_alternation(_LEXICON.words('weekdays'))})"
_RELATIVE_DAY_WORDS = {word.lower(): days for word, days in _LEXICON.words("relative_days").items()}
_WEEK_OFFSETS = {
    "last week": -7, "earlier this week": -2, "this week": -1, "last weekend": -6,
    "over the weekend": -2,
}  # fmt: skip


@dataclass(frozen=True)
class DateMention:
    """A date expression found in a sentence, resolved to a calendar date."""

    start: int
    end: int
    text: str
    date: dt.date
    precision: Precision
    # Resolved against the article's date (no year stated): only as right as that date is.
    relative: bool = True


# A dateline and the event it reports can be a calendar day apart: Thursday's meeting in Beijing is
# in a Washington paper dated Wednesday, and the two sides' readouts of one call carry dates a day
# apart. Wherever a date is compared with another for time zones, this is the slack.
TIME_ZONE_SLACK = dt.timedelta(days=1)


def _month_number(token: str) -> int:
    return MONTHS[token.lower().rstrip(".")]


# A day of the year without a year, at most this far after the article, is this year's: the
# coming days ("5月31日" in a paper of 29 May), not the same day a year back.
AHEAD = dt.timedelta(days=7)


def _latest_on_or_before(month: int, day: int, anchor: dt.date) -> dt.date | None:
    """The latest date with this month and day not after ``anchor`` (a year back at most), or
    this year's when it is in the coming days (AHEAD)."""
    for year in (anchor.year, anchor.year - 1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if candidate <= anchor + AHEAD:  # (AHEAD covers the time zones' slack too)
            return candidate
    return None


def _chinese_number(numeral: str) -> int:
    """十 → 10, 十五 → 15, 二十一 → 21 (the numbers of the days of a month)."""
    digits = "一二三四五六七八九"
    tens, _, units = numeral.partition("十")
    return (digits.index(tens) + 1 if tens else 1) * 10 + (digits.index(units) + 1 if units else 0)


def _latest_day_of_month(day: int, anchor: dt.date) -> dt.date | None:
    """The latest date with this day of the month not after ``anchor``: this month's, else the
    month before's ("十五日", "Thursday night (21)": a month back at most, never a year)."""
    month_start = anchor.replace(day=1)
    for _ in range(3):  # (a 31st may skip a month that has none)
        try:
            candidate = month_start.replace(day=day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate <= anchor + TIME_ZONE_SLACK:
            return candidate
        month_start = (month_start - dt.timedelta(days=1)).replace(day=1)
    return None


def _earliest_on_or_after(month: int, day: int, anchor: dt.date) -> dt.date | None:
    """The earliest date with this month and day not before ``anchor`` (a year ahead at most)."""
    for year in (anchor.year, anchor.year + 1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if candidate >= anchor - TIME_ZONE_SLACK:
            return candidate
    return None


def _calendar_day(year: int | None, month: int, day: int, anchor: dt.date) -> tuple[dt.date, Precision] | None:
    """A day of the calendar; without a year, the latest such day not after the article."""
    if year is None:
        found = _latest_on_or_before(month, day, anchor)
        return (found, "day") if found else None
    try:
        return dt.date(year, month, day), "day"
    except ValueError:
        return None


# --- resolvers: a match's groups and the article's date → the date and how precise it is ----------

Groups = dict[str, str | None]
Resolved = tuple[dt.date, Precision]


def _number(value: str | None) -> int | None:
    """A group's number, or None when the group did not match."""
    return int(value) if value else None


def _numbered_day(groups: Groups, anchor: dt.date) -> Resolved | None:
    """2024-04-16, 4月16日, 2024년 5월 31일: a day by its numbers."""
    year = _number(groups.get("y"))
    return _calendar_day(year, int(groups["m"] or 0), int(groups["d"] or 0), anchor)


def _named_month_day(groups: Groups, anchor: dt.date) -> Resolved | None:
    """Dec. 21, 21 December 2023, 16 de abril de 2024, 12 июля: a day with its month named."""
    year = _number(groups.get("year"))
    return _calendar_day(year, _month_number(groups["month"] or ""), int(groups["day"] or 0), anchor)


def _day_of_month(groups: Groups, anchor: dt.date) -> Resolved | None:
    """16日, 十五日, 16일: this month's or the month before's."""
    raw = groups["d"] or ""
    found = _latest_day_of_month(int(raw) if raw.isdigit() else _chinese_number(raw), anchor)
    return (found, "day") if found else None


_DAY_WORDS = {"昨天": -1, "昨日": -1, "今天": 0, "今日": 0, "前天": -2, **_RELATIVE_DAY_WORDS}


def _relative_day(groups: Groups, anchor: dt.date) -> Resolved:
    """Yesterday, 昨天, ayer, вчера: days from the article's."""
    return anchor + dt.timedelta(days=_DAY_WORDS[(groups["rel"] or "").lower()]), "day"


def _weekday(groups: Groups, anchor: dt.date) -> Resolved:
    """Tuesday, el jueves, 星期二, "Thursday night (21)": the latest such day."""
    target = WEEKDAY_NUMBERS[(groups["weekday"] or "").lower()]
    # The latest such day not after the article, with the time zones' slack.
    latest = anchor + TIME_ZONE_SLACK
    date = latest - dt.timedelta(days=(latest.weekday() - target) % 7)
    if groups.get("dom"):
        day_of_month = int(groups["dom"] or 0)
        if date.day != day_of_month:
            date = _latest_day_of_month(day_of_month, anchor) or date
    return date, "day"


def _days_ago(groups: Groups, anchor: dt.date) -> Resolved:
    raw = (groups["n"] or "").lower()
    return anchor - dt.timedelta(days=int(raw) if raw.isdigit() else NUMBER_WORDS[raw]), "day"


def _week(groups: Groups, anchor: dt.date) -> Resolved:
    return anchor + dt.timedelta(days=_WEEK_OFFSETS[(groups["week"] or "").lower()]), "week"


def _last_month(groups: Groups, anchor: dt.date) -> Resolved:
    previous = anchor.replace(day=1) - dt.timedelta(days=1)
    return previous.replace(day=1), "month"


def _month_of_year(groups: Groups, anchor: dt.date) -> Resolved:
    """In May (2023): the latest such month."""
    month = _month_number(groups["month"] or "")
    year = _number(groups.get("year")) or anchor.year
    if not groups.get("year") and month > anchor.month:
        year -= 1
    return dt.date(year, month, 1), "month"


# --- the same expressions read as future dates ("will meet on Friday") ------------------------------


def _next_weekday(groups: Groups, anchor: dt.date, resolved: Resolved) -> Resolved:
    target = WEEKDAY_NUMBERS[(groups["weekday"] or "").lower()]
    return anchor + dt.timedelta(days=(target - anchor.weekday()) % 7), resolved[1]


def _next_calendar_day(groups: Groups, anchor: dt.date, resolved: Resolved) -> Resolved:
    if groups.get("year") or groups.get("y"):
        return resolved
    ahead = _earliest_on_or_after(resolved[0].month, resolved[0].day, anchor)
    return (ahead, resolved[1]) if ahead else resolved


@dataclass(frozen=True)
class DatePattern:
    """A date expression, how it is resolved against the article's date, and how it is read as a
    future date (None: the same)."""

    kind: str
    pattern: re.Pattern[str]
    resolve: Callable[[Groups, dt.date], Resolved | None]
    forward: Callable[[Groups, dt.date, Resolved], Resolved] | None = None


# A day of the month in Chinese, Japanese or Korean: 日 (written), 号 or 號 (spoken, and in
# the press), 일 (Korean); a range of days ("18号至20号", "9月18日至20日", "18~20일") is read as
# its first day, when the visit or talks began.
_CJK_DAY_MARK = r"(?:日|일|号|號)"
_CJK_RANGE_END = r"\s?(?:至|到|-|–|~|～)\s?(?:\d{1,2}(?:月|월)\s?)?\d{1,2}" + _CJK_DAY_MARK
_CJK_DAY = r"(?P<d>\d{1,2})(?:" + _CJK_DAY_MARK + f"(?:{_CJK_RANGE_END})?|{_CJK_RANGE_END})"
# Not a month's day: a numbered thing ("5号线" line 5, "1号文件", "18号楼", a ship or satellite).
_NOT_A_DAY_AFTER = r"(?![线楼院令机舰艇星箭船车位卫飞探导潜驱护]|文件)"

# The registry, most precise first: where two matches overlap, the earlier pattern's is kept.
PATTERNS: list[DatePattern] = [
    DatePattern("iso", compile_guarded(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b"), _numbered_day),
    # (Korean writes 년 월 일 where Chinese and Japanese write 年 月 日)
    # (alternatives, not character classes: the screen finds a pattern by its literals)
    DatePattern(
        "cjk",
        compile_guarded(r"(?:(?P<y>\d{4})(?:年|년)\s?)?(?P<m>\d{1,2})(?:月|월)\s?" + _CJK_DAY + _NOT_A_DAY_AFTER),
        _numbered_day,
        _next_calendar_day,
    ),
    DatePattern(
        "month_day",
        compile_guarded(_MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>\d{4}))?"),
        _named_month_day,
        _next_calendar_day,
    ),
    DatePattern(
        "day_month",
        compile_guarded(
            r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+|de\s+)?" + _MONTH + r"(?:,?\s+(?:de\s+)?(?P<year>\d{4}))?"
        ),
        _named_month_day,
        _next_calendar_day,
    ),
    DatePattern(
        "weekday",
        compile_guarded(
            r"\b" + _WEEKDAY + r"(?:\s+(?:morning|afternoon|evening|night))?(?:\s*\((?P<dom>\d{1,2})\))?",
        ),
        _weekday,
        _next_weekday,
    ),
    DatePattern("cjk_weekday", compile_guarded(r"(?:星期|周)(?P<weekday>[一二三四五六日天])"), _weekday, _next_weekday),
    # (not a month's day: "4月16日" is the pattern above's; "本月18号", this month's, is this one's)
    DatePattern(
        "cjk_day",
        compile_guarded(
            r"(?<![\d一二三四五六七八九十][月월])(?<![\d一二三四五六七八九十][月월]\s)(?<!\d)"
            + _CJK_DAY
            + _NOT_A_DAY_AFTER
        ),
        _day_of_month,
    ),
    # 十五日, 二十一日 (the 10th to the 31st in Chinese numerals; 一日 alone is "one day")
    DatePattern(
        "cjk_numeral_day",
        compile_guarded(
            r"(?<![一二三四五六七八九十]月)(?<![一二三四五六七八九十])(?P<d>[二三]?十[一二三四五六七八九]?)日"
        ),
        _day_of_month,
    ),
    DatePattern("cjk_relative", compile_guarded(r"(?P<rel>昨天|昨日|今天|今日|前天)"), _relative_day),
    DatePattern(
        "relative_day",
        compile_guarded(
            r"\b(?P<rel>" + "|".join(re.escape(w) for w in sorted(_RELATIVE_DAY_WORDS, key=len, reverse=True)) + r")\b",
            re.IGNORECASE,
        ),
        _relative_day,
    ),
    DatePattern(
        "days_ago",
        compile_guarded(
            r"\b(?P<n>\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen)\s+days?\s+(?:ago|earlier|before(?=[.,;]))",
            re.IGNORECASE,
        ),
        _days_ago,
    ),
    DatePattern(
        "week",
        compile_guarded(
            r"\b(?P<week>last week|earlier this week|this week|last weekend|over the weekend)\b", re.IGNORECASE
        ),
        _week,
    ),
    DatePattern(
        "last_month",
        compile_guarded(
            r"\blast month\b|\bel mes pasado\b|\ble mois dernier\b|\bno mês passado\b"
            r"|\b(?:im )?(?:vergangenen|letzten|vorigen) Monat\b|\bв прошлом месяце\b|上个?月|先月|지난\s?달",
            re.IGNORECASE,
        ),
        _last_month,
    ),
    DatePattern(
        "month_year",
        compile_guarded(rf"(?:{_LEXICON.alternation('month_before')})" + _MONTH + r"(?:\s+(?P<year>\d{4}))?\b"),
        _month_of_year,
    ),
]


_PATTERN_FILTER = PatternFilter([entry.pattern for entry in PATTERNS])


def find_dates(sentence: str, anchor: dt.date, future: bool = False) -> list[DateMention]:
    """Every date expression in ``sentence``, resolved against the article date ``anchor``.

    Overlapping matches keep the first pattern in ``PATTERNS`` order (the most precise).
    With ``future``, a weekday or a day of the year without a year is the next one, not the
    last: "will meet on Friday".
    """
    mentions: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for index in _PATTERN_FILTER.candidates(sentence):
        entry = PATTERNS[index]
        for match in entry.pattern.finditer(sentence):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            groups = match.groupdict()
            resolved = entry.resolve(groups, anchor)
            if resolved is None:
                continue
            if future and entry.forward is not None:
                resolved = entry.forward(groups, anchor, resolved)
            taken.append((start, end))
            relative = not (groups.get("y") or groups.get("year"))
            mentions.append(DateMention(start, end, match.group(0), resolved[0], resolved[1], relative))
    return sorted(mentions, key=lambda m: m.start)
