"""Event resolution as a pure decision: a report against the stored events it could be about."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from newswatch.resolve import BecomesHeld, Joins, KnownEvent, NewEvent, Report, resolve, settle

KEY = "dong-jun|lloyd-austin"


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _report(
    day: str, mode: str = "unspecified", stated: bool = True, status: str = "held", published: str | None = None
) -> Report:
    return Report(KEY, _day(day), stated, mode, None, status, f"{day}-{mode}", _day(published or day))


def _event(event_id: int, *reports: Report, status: str = "held") -> KnownEvent:
    settled = settle(reports)
    return KnownEvent(event_id, KEY, status, settled.date, settled.mode, settled.location, reports)


CALL = _event(1, _report("2024-04-16", "video_call"))


def test_a_report_days_off_with_another_mode_joins_and_refines_nothing_it_cannot_outvote() -> None:
    outcome = resolve(_report("2024-04-18", "meeting"), [CALL])
    assert isinstance(outcome, Joins) and outcome.event_id == 1 and outcome.role == "reported"
    # One report each way: the earlier stated date and the more specific mode stay.
    assert outcome.settled is None


def test_a_report_without_a_stated_date_joins_the_contact_of_the_weeks_before_its_article() -> None:
    analysis = _report("2024-05-03", stated=False)
    assert resolve(analysis, [CALL]) == Joins(1, "reported")


def test_a_date_from_the_wrong_phrase_long_before_the_article_joins_the_recent_contact() -> None:
    wrong = _report("2022-08-15", "video_call", published="2024-04-17")
    outcome = resolve(wrong, [CALL])
    assert isinstance(outcome, Joins) and outcome.event_id == 1
    assert outcome.settled is None  # the recent stated date wins over the old one


def test_the_same_officials_weeks_apart_are_two_contacts() -> None:
    assert resolve(_report("2024-05-31", "meeting"), [CALL]) == NewEvent("held")


def test_other_officials_never_join() -> None:
    other = Report("cn:dong-jun|us:pete-hegseth", _day("2024-04-16"), True, "video_call", None, "held")
    assert resolve(other, [CALL]) == NewEvent("held")


def test_an_announcement_becomes_the_contact_when_it_is_reported_held() -> None:
    planned = _event(2, _report("2024-05-31", "meeting", status="planned", published="2024-05-28"), status="planned")
    outcome = resolve(_report("2024-05-31", "meeting"), [planned])
    assert isinstance(outcome, BecomesHeld) and outcome.event_id == 2
    assert outcome.settled.date == _day("2024-05-31")


def test_an_announcement_of_a_contact_already_held_is_linked_as_an_announcement() -> None:
    held = _event(3, _report("2024-05-31", "meeting"))
    late = _report("2024-05-31", "meeting", status="planned", published="2024-05-29")
    assert resolve(late, [held]) == Joins(3, "announced")


def test_an_announcement_without_a_date_reaches_the_weeks_after_it() -> None:
    held = _event(3, _report("2024-05-31", "meeting"))
    preview = _report("2024-05-20", stated=False, status="planned")
    assert resolve(preview, [held]) == Joins(3, "announced")
    assert resolve(preview, []) == NewEvent("planned")


def test_mode_breaks_ties_between_two_candidates() -> None:
    meeting = _event(4, _report("2024-04-18", "meeting"))
    outcome = resolve(_report("2024-04-17", "phone_call"), [meeting, CALL])
    assert isinstance(outcome, Joins) and outcome.event_id == 1


def test_settle_takes_what_most_reports_say_and_where_it_came_from() -> None:
    reports = [
        _report("2024-09-10", "video_call"),  # Beijing's date
        _report("2024-09-09", "video_call"),
        _report("2024-09-09", "meeting"),  # a mode borrowed from a leaders' summit
        _report("2024-09-09", "video_call", stated=False),
    ]
    settled = settle(reports)
    assert (settled.date, settled.mode, settled.date_stated) == (_day("2024-09-09"), "video_call", True)
    assert dict(settled.sources) == {"date": "2024-09-09-video_call", "mode": "2024-09-10-video_call"}


def test_settle_without_a_stated_date_says_so() -> None:
    settled = settle([_report("2024-04-20", stated=False), _report("2024-04-19", stated=False)])
    assert (settled.date, settled.date_stated, settled.mode) == (_day("2024-04-19"), False, "unspecified")


def test_a_leader_put_in_an_officials_place_joins_the_officials_contact() -> None:
    # "the President's national security adviser met the general": the president read as the
    # participant; the general, the defence official, is right.
    sullivan = Report("jake-sullivan|zhang-youxia", _day("2024-08-29"), True, "meeting", None, "held")
    event = KnownEvent(7, sullivan.participant_key, "held", sullivan.date, "meeting", None, (sullivan,))
    biden = Report(
        "joe-biden|zhang-youxia",
        _day("2024-08-29"),
        True,
        "meeting",
        None,
        "held",
        uncertain=frozenset({"joe-biden"}),
    )
    assert resolve(biden, [event]) == Joins(7, "reported")
    # Two defence officials each: another contact, even on the same day.
    other = Report("lloyd-austin|zhang-youxia", _day("2024-08-29"), True, "meeting", None, "held")
    assert resolve(other, [event]) == NewEvent("held")


# --- dates the report cannot state: its mode, or the window its text allows ---------------------------


def test_an_undated_report_of_a_meeting_does_not_join_the_pairs_call_a_fortnight_before() -> None:
    # A visit reported without its date, two weeks after the pair's video call: two contacts.
    visit = _report("2024-04-29", "meeting", stated=False)
    assert resolve(visit, [CALL]) == NewEvent("held")
    # With a date stated near the call's, a "meeting" is the call misreported: it joins.
    assert isinstance(resolve(_report("2024-04-16", "meeting"), [CALL]), Joins)


def test_an_undated_report_joins_the_event_of_its_mode_among_the_pairs_recent_ones() -> None:
    visit = _event(2, _report("2024-04-24", "meeting"))
    analysis = _report("2024-04-30", "meeting", stated=False)
    assert resolve(analysis, [CALL, visit]) == Joins(2, "reported")


def _windowed(day: str, window: tuple[str, str], mode: str = "phone_call") -> Report:
    return Report(
        KEY,
        _day(day),
        False,
        mode,
        None,
        "held",
        "redated",
        _day("2025-04-12"),
        window=(
            _day(window[0]),
            _day(window[1]),
        ),
    )


def test_a_re_dated_page_joins_the_pairs_event_within_the_window_its_text_allows() -> None:
    # Its page says April 2025; its text says the call took place in the officials' tenure.
    outcome = resolve(_windowed("2025-01-20", ("2023-10-01", "2025-01-20")), [CALL])
    assert isinstance(outcome, Joins) and outcome.event_id == 1
    assert outcome.settled is None  # the stated date stands: the window's end is no date


def test_a_re_dated_page_with_no_known_event_in_its_window_is_recorded_without_an_alert() -> None:
    assert resolve(_windowed("2025-01-20", ("2024-06-01", "2025-01-20")), [CALL]) == NewEvent("held", alert=False)


def _grouped(reports: list[Report]) -> list[Report]:
    """The reports as storage reads them back: one per group of reports that say the same (date,
    statement of it, mode, place, status, article date), in the order of each group's first
    report, with that report's ref and the group's size as weight."""
    groups: dict[tuple[object, ...], list[Report]] = {}
    for report in reports:
        key = (report.date, report.date_stated, report.mode, report.location, report.status, report.published)
        groups.setdefault(key, []).append(report)
    return [replace(members[0], weight=len(members)) for members in groups.values()]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["2024-09-08", "2024-09-09", "2024-09-10", "2024-07-01"]),
            st.sampled_from(["unspecified", "phone_call", "video_call", "meeting"]),
            st.booleans(),
            st.sampled_from([None, "Beijing", "Singapore"]),
            st.sampled_from(["2024-09-09", "2024-09-10", "2024-09-11"]),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_settle_reads_grouped_reports_as_the_reports_they_stand_for(
    fields: list[tuple[str, str, bool, str | None, str]],
) -> None:
    reports = [
        Report(KEY, _day(day), stated, mode, place, "held", f"https://example.com/{n}", _day(published))
        for n, (day, mode, stated, place, published) in enumerate(fields)
    ]
    assert settle(_grouped(reports)) == settle(reports)
