"""Storage on a real SQLite file and a real PostgreSQL: idempotent ingest, event resolution,
alert rows, and migrations that build exactly the models' schema."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from newswatch.app.storing import store_classifications
from newswatch.classify import Classifier
from newswatch.model import Article, Classification, Contact, Participant
from newswatch.notify import Channel
from newswatch.resolve import Report
from newswatch.seeds import read_seed_files
from newswatch.storage import articles, event_records, events, outbox
from newswatch.storage.database import Database, create_db_engine, open_database
from newswatch.storage.models import (
    AlertRow,
    ArticleRow,
    Base,
    ContactEventRow,
    EventArticleRow,
    EventReportGroupRow,
)
from tests.conftest import SEEDS

AUSTIN = Participant("lloyd-austin", "Lloyd Austin", "us", "Secretary of Defense", "us-secdef")
DONG = Participant("dong-jun", "Dong Jun", "cn", "Minister of National Defense", "cn-defmin")
_NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
_LEASE = dt.timedelta(minutes=5)
CHANNELS = [Channel("a" * 16, "json://127.0.0.1/a"), Channel("b" * 16, "mailto://127.0.0.1", frozenset({"taiwan"}))]


def _contact(day: str, mode: str = "unspecified", location: str | None = None, status: str = "held") -> Contact:
    return Contact(
        dt.date.fromisoformat(day),
        mode,  # type: ignore[arg-type]
        (AUSTIN, DONG),
        location,
        evidence=(f"{status} evidence",),
        status=status,  # type: ignore[arg-type]
    )


def _article(ref: str, text: str, day: str = "2024-04-17") -> Article:
    return Article(ref=ref, published=dt.date.fromisoformat(day), text=text, title=text[:20])


def _count(sessions: Database, model: type) -> int:
    with sessions.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_ingesting_the_same_articles_again_changes_nothing(database_url: str, classifier: Classifier) -> None:
    sessions = open_database(database_url)
    articles, _ = read_seed_files([SEEDS])
    first = store_classifications(sessions, [classifier.classify(a) for a in articles], CHANNELS)
    counts = [_count(sessions, m) for m in (ArticleRow, ContactEventRow, EventArticleRow, AlertRow)]
    second = store_classifications(sessions, [classifier.classify(a) for a in articles], CHANNELS)
    assert [s.new for s in first] == [True, True] and [s.new_event for s in first] == [True, True]
    assert [s.new for s in second] == [False, False]
    assert [_count(sessions, m) for m in (ArticleRow, ContactEventRow, EventArticleRow, AlertRow)] == counts
    # Both seeds match taiwan, so the taiwan-tagged channel gets them too: two events x two channels.
    assert counts == [2, 2, 2, 4]


def test_same_content_under_another_ref_is_not_stored_again(database_url: str) -> None:
    sessions = open_database(database_url)
    with sessions.transaction() as session:
        first_id, first_new = articles.store_article(session, _article("a.txt", "Same text."))
        second_id, second_new = articles.store_article(session, _article("b.txt", "Same   text."))
    assert (first_new, second_new) == (True, False)
    assert first_id == second_id


def test_reports_of_one_contact_make_one_event_refined_by_later_reports(database_url: str) -> None:
    sessions = open_database(database_url)
    with sessions.transaction() as session:
        a, _ = articles.store_article(session, _article("a.txt", "first"))
        b, _ = articles.store_article(session, _article("b.txt", "second"))
        c, _ = articles.store_article(session, _article("c.txt", "third"))
        d, _ = articles.store_article(session, _article("d.txt", "fourth"))
        event, created = events.record_contact(session, a, _contact("2024-09-10"))
        same, created_again = events.record_contact(session, b, _contact("2024-09-09", "video_call"))
        same_call, _ = events.record_contact(session, c, _contact("2024-09-09", "phone_call"))
        other, created_other = events.record_contact(session, d, _contact("2024-05-31", "meeting", "Singapore"))
    assert (created, created_again, created_other) == ("new", "joined", "new")
    assert event == same == same_call != other
    with sessions.transaction() as session:
        stored = events.get_event(session, event)
    # Beijing's date a day later joins; the earlier explicit date and the more precise mode win.
    assert (stored.date, stored.mode) == (dt.date(2024, 9, 9), "video_call")
    assert [ref for ref, _, _ in stored.articles] == ["a.txt", "b.txt", "c.txt"]


def test_a_report_that_disagrees_on_mode_or_date_refines_the_event_instead_of_splitting_it(
    database_url: str,
) -> None:
    sessions = open_database(database_url)
    with sessions.transaction() as session:
        ids = [articles.store_article(session, _article(f"{n}.txt", n))[0] for n in "abcd"]
        first, _ = events.record_contact(session, ids[0], _contact("2024-04-16", "video_call"))
        # A mode borrowed from another clause, a date from a wrong phrase: the same two officials.
        second, meeting = events.record_contact(session, ids[1], _contact("2024-04-18", "meeting"))
        third, _ = events.record_contact(session, ids[2], _contact("2024-04-18", "meeting"))
        weeks_later, created = events.record_contact(session, ids[3], _contact("2024-05-31", "meeting"))
    assert first == second == third and meeting == "joined"
    assert weeks_later != first and created == "new"
    with sessions.transaction() as session:
        stored = events.get_event(session, first)
    # Settled from all reports: the date and the mode most reports give, and where each came from.
    assert (stored.date, stored.mode) == (dt.date(2024, 4, 18), "meeting")
    assert dict(stored.field_sources) == {"date": "b.txt", "mode": "b.txt"}


def test_an_event_with_many_reports_is_settled_from_them_all_read_as_a_few_groups(database_url: str) -> None:
    # A contact syndicated everywhere: its 61st report must not read the 60 before it one by one,
    # yet the event is settled as from all of them (the later majority and its first source win).
    sessions = open_database(database_url)
    said = [("2024-09-10", "meeting", None)] * 25 + [("2024-09-09", "video_call", "Beijing")] * 35
    with sessions.transaction() as session:
        ids = [
            articles.store_article(session, _article(f"{n}.txt", f"copy {n}", "2024-09-11"))[0]
            for n in range(len(said) + 1)
        ]
        recorded = [
            events.record_contact(session, article, _contact(day, mode, place))
            for article, (day, mode, place) in zip(ids, said, strict=False)
        ]
        known = events._known_events(session, Report.of(_contact("2024-09-09", "video_call"), "new.txt"))
        last, outcome = events.record_contact(session, ids[-1], _contact("2024-09-09", "phone_call"))
    assert {event for event, _ in recorded} == {last} and outcome == "joined"
    ((_, event),) = known.values()
    assert [(r.mode, r.weight, r.ref) for r in event.reports] == [
        ("meeting", 25, "0.txt"),
        ("video_call", 35, "25.txt"),
    ]
    with sessions.transaction() as session:
        stored = events.get_event(session, last)
    assert (stored.date, stored.mode, stored.location) == (dt.date(2024, 9, 9), "video_call", "Beijing")
    assert dict(stored.field_sources) == {"date": "25.txt", "mode": "25.txt", "location": "25.txt"}
    assert len(stored.articles) == 61


def _report_groups(sessions: Database) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The report groups as stored, and as the event's reports make them (counted afresh)."""
    kept = EventReportGroupRow.__table__
    with sessions.transaction() as session:
        stored = session.execute(select(kept).order_by(kept.c.first_report_id)).all()
        counted = session.execute(events.REPORTS_COUNTED_IN_GROUPS.order_by(func.min(EventArticleRow.id))).all()
    return [tuple(row) for row in stored], [tuple(row) for row in counted]


def test_each_stored_report_is_counted_once_in_the_group_of_what_it_says(database_url: str) -> None:
    sessions = open_database(database_url)
    said = [
        ("2024-09-10", "meeting", None, "2024-09-11"),
        ("2024-09-10", "meeting", None, "2024-09-11"),
        ("2024-09-10", "meeting", None, "2024-09-12"),  # the same, in a later article
        ("2024-09-10", "meeting", "Beijing", "2024-09-11"),
        ("2024-09-09", "video_call", "Beijing", "2024-09-11"),
        ("2024-09-10", "meeting", None, "2024-09-11"),
    ]
    with sessions.transaction() as session:
        ids = [
            articles.store_article(session, _article(f"{n}.txt", f"copy {n}", published))[0]
            for n, (*_, published) in enumerate(said)
        ]
        for article, (day, mode, place, _) in zip(ids, said, strict=True):
            events.record_contact(session, article, _contact(day, mode, place))
        events.record_contact(session, ids[0], _contact("2024-09-10", "meeting"))  # stored again: not a report
    stored, counted = _report_groups(sessions)
    assert stored == counted
    assert [(row[3], row[4], str(row[6]), row[7]) for row in stored] == [
        ("meeting", "", "2024-09-11", 3),
        ("meeting", "", "2024-09-12", 1),
        ("meeting", "Beijing", "2024-09-11", 1),
        ("video_call", "Beijing", "2024-09-11", 1),
    ]


def test_the_report_group_migration_counts_the_reports_stored_before_it(database_url: str) -> None:
    article = (
        "INSERT INTO articles (ref, title, text, published, content_hash, source, ingested_at)"
        " VALUES ('{ref}', 't', '{ref}', '2024-04-17', '{ref}', 'seed', '2024-04-17 00:00:00')"
    )
    report = (
        "INSERT INTO event_articles (event_id, article_id, reported_date, reported_mode, evidence,"
        " reported_status, confidence, role, date_stated, reported_location)"
        " SELECT 1, id, '2024-04-16', 'meeting', '[]', 'held', 1.0, 'reported', {stated}, {place}"
        " FROM articles WHERE ref = '{ref}'"
    )
    _an_article_stored_at_revision(  # article "a", then b to d; four reports of one event
        database_url,
        "0012",
        *(article.format(ref=ref) for ref in "bcd"),
        "INSERT INTO contact_events (participant_key, date, mode, level, status, date_explicit, historical,"
        " confidence, first_seen, updated_at) VALUES ('dong-jun|lloyd-austin', '2024-04-16', 'meeting',"
        " 'senior', 'held', true, false, 1.0, '2024-04-17 00:00:00', '2024-04-17 00:00:00')",
        *(
            "INSERT INTO event_participants (event_id, position, official_id, name, country, office, defence)"
            f" VALUES (1, {position}, '{official}', '{official}', '{country}', 'minister', true)"
            for position, official, country in ((0, "lloyd-austin", "us"), (1, "dong-jun", "cn"))
        ),
        report.format(ref="a", stated="true", place="NULL"),
        report.format(ref="b", stated="true", place="'Beijing'"),
        report.format(ref="c", stated="true", place="NULL"),
        report.format(ref="d", stated="false", place="NULL"),
    )
    sessions = open_database(database_url)  # upgrades to head
    stored, counted = _report_groups(sessions)
    assert stored == counted
    assert [(row[2], row[4], row[7], row[8]) for row in stored] == [
        (True, "", 2, 1),
        (True, "Beijing", 1, 2),
        (False, "", 1, 4),
    ]
    with sessions.transaction() as session:  # and a report stored after it is counted in them
        new, _ = articles.store_article(session, _article("e.txt", "fifth"))
        events.record_contact(session, new, _contact("2024-04-16", "meeting"))
    assert _report_groups(sessions)[0][0][7] == 3


def test_alerts_are_queued_once_per_event_and_channel(database_url: str) -> None:
    sessions = open_database(database_url)
    with sessions.transaction() as session:
        article, _ = articles.store_article(session, _article("a.txt", "text"))
        event, _ = events.record_contact(session, article, _contact("2024-04-16"))
        outbox.queue_alerts(session, event, [(c.fingerprint, c.label) for c in CHANNELS])
        outbox.queue_alerts(session, event, [(c.fingerprint, c.label) for c in CHANNELS])
        pending = outbox.claim_alerts(session, [c.fingerprint for c in CHANNELS], _NOW, _LEASE)
        outbox.mark_alert(session, pending[0][0], delivered=False, error="down")
        outbox.mark_alert(session, pending[1][0], delivered=True)
    with sessions.transaction() as session:
        still = outbox.claim_alerts(session, [c.fingerprint for c in CHANNELS], _NOW + _LEASE * 2, _LEASE)
        summary = outbox.alert_summary(session)
    assert len(pending) == 2
    assert [a[0] for a in still] == [pending[0][0]]
    assert [(row.status, row.attempts, row.last_error, row.kind) for row in summary] == [
        ("failed", 1, "down", "contact"),
        ("sent", 1, None, "contact"),
    ]


def test_migrations_build_exactly_the_models_schema(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    open_database(database_url)
    engine = create_db_engine(database_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert diff == []


def test_the_schema_head_constant_is_alembics_head(sqlite_url: str) -> None:
    from alembic.script import ScriptDirectory

    from newswatch.storage.database import SCHEMA_HEAD, _alembic_config, _recorded_revision

    engine = create_db_engine(sqlite_url)
    assert ScriptDirectory.from_config(_alembic_config(engine)).get_heads() == [SCHEMA_HEAD]
    assert _recorded_revision(engine) is None  # a new file: no table yet
    open_database(sqlite_url)
    assert _recorded_revision(engine) == SCHEMA_HEAD
    engine.dispose()


def test_a_database_behind_the_head_is_migrated_on_open(sqlite_url: str) -> None:
    from alembic import command

    from newswatch.storage.database import SCHEMA_HEAD, _alembic_config, _recorded_revision

    engine = create_db_engine(sqlite_url)
    command.upgrade(_alembic_config(engine), "0008")
    open_database(sqlite_url)
    assert _recorded_revision(engine) == SCHEMA_HEAD
    engine.dispose()


def test_an_unreachable_database_is_one_clear_error() -> None:
    from newswatch.errors import StorageError

    with pytest.raises(StorageError, match="cannot reach database postgresql"):
        open_database("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(StorageError, match="not a database URL"):
        open_database("not a url")


def test_sqlite_engine_enforces_foreign_keys(sqlite_url: str) -> None:
    sessions = open_database(sqlite_url)
    with pytest.raises(Exception, match="FOREIGN KEY"), sessions.transaction() as session:
        outbox.queue_alerts(session, 999, [("x" * 16, "x")])


def test_an_announced_meeting_becomes_the_contact_when_held_and_alerts_then(database_url: str) -> None:
    from dataclasses import replace

    sessions = open_database(database_url)
    planned = replace(_contact("2024-05-31", "meeting"), status="planned")
    with sessions.transaction() as session:
        a, _ = articles.store_article(session, _article("announce.txt", "announced", "2024-05-29"))
        b, _ = articles.store_article(session, _article("again.txt", "announced again", "2024-05-30"))
        c, _ = articles.store_article(session, _article("held.txt", "held", "2024-05-31"))
        d, _ = articles.store_article(session, _article("later.txt", "later", "2024-06-01"))
        event, first = events.record_contact(session, a, planned)
        same, second = events.record_contact(session, b, planned)
        held, third = events.record_contact(session, c, _contact("2024-05-31", "meeting", "Singapore"))
        again, fourth = events.record_contact(session, d, _contact("2024-05-31", "meeting"))
        # An announcement read after the contact took place (a late feed, a replay).
        e, _ = articles.store_article(session, _article("late.txt", "announced late", "2024-05-28"))
        late, fifth = events.record_contact(session, e, planned)
    assert (first, second, third, fourth, fifth) == ("planned", "joined", "held", "joined", "joined")
    assert event == same == held == again == late
    with sessions.transaction() as session:
        stored = events.get_event(session, event)
    # Announcements are linked as such: never sources, never evidence that it took place.
    assert (stored.status, stored.location, stored.sources) == ("held", "Singapore", 2)
    assert [ref for ref, _, _ in stored.articles] == ["held.txt", "later.txt"]
    assert [ref for ref, _, _ in stored.announcements] == ["announce.txt", "again.txt", "late.txt"]
    assert stored.evidence == ("held evidence",)
    # The quote that states the contact comes from a report, with its source; the second report
    # says the same sentence, so it adds no supporting quote.
    assert [(q.text, q.ref) for q in stored.quotes] == [("held evidence", "held.txt")]


def test_an_event_quotes_one_sentence_per_independent_report_with_its_source(database_url: str) -> None:
    from dataclasses import replace

    sessions = open_database(database_url)
    with sessions.transaction() as session:
        ids = []
        for index in range(6):
            article, _ = articles.store_article(
                session, _article(f"r{index}.txt", f"report number {index} of the call", "2024-04-17")
            )
            ids.append(article)
        for index, article in enumerate(ids):
            contact = replace(_contact("2024-04-16", "video_call"), evidence=(f"sentence {index}", "shared"))
            event, _ = events.record_contact(session, article, contact)
    with sessions.transaction() as session:
        stored = events.get_event(session, event)
    assert len(stored.quotes) == event_records.MAX_QUOTES == 4  # the best, and up to three supporting
    assert len({q.ref for q in stored.quotes}) == 4 and len({q.text for q in stored.quotes}) == 4
    assert all(q.published == dt.date(2024, 4, 17) and q.title for q in stored.quotes)


def test_working_level_contacts_are_stored_but_alert_only_when_the_level_is_lowered(
    database_url: str, classifier: Classifier, tmp_path: Path
) -> None:
    from newswatch.seeds import parse_seed_text

    text = (
        " date 2024-01-10 WASHINGTON — Michael Chase, the Pentagon official responsible for China policy, met "
        "Maj. Gen. Song Yanchao of the Central Military Commission in Washington on Tuesday."
    )
    item = classifier.classify(parse_seed_text(text, "working.txt"))
    sessions = open_database(database_url)
    (stored,) = store_classifications(sessions, [item], CHANNELS[:1])
    assert stored.event_id is not None and not stored.new_event
    assert _count(sessions, AlertRow) == 0
    with sessions.transaction() as session:
        assert events.get_event(session, stored.event_id).level == "working"

    lowered = open_database(f"sqlite:///{tmp_path / 'lowered.db'}")
    (alerted,) = store_classifications(lowered, [item], CHANNELS[:1], min_level="working")
    assert alerted.new_event and _count(lowered, AlertRow) == 1


def test_the_outbox_claims_backs_off_and_dead_letters(database_url: str) -> None:
    import datetime as dt_

    sessions = open_database(database_url)
    channels = [CHANNELS[0].fingerprint]
    with sessions.transaction() as session:
        article, _ = articles.store_article(session, _article("a.txt", "text"))
        event, _ = events.record_contact(session, article, _contact("2024-04-16"))
        outbox.queue_alerts(session, event, [(CHANNELS[0].fingerprint, CHANNELS[0].label)])
    now = dt_.datetime(2026, 1, 1, tzinfo=dt_.UTC)
    lease = dt_.timedelta(minutes=5)
    with sessions.transaction() as session:
        (claimed,) = outbox.claim_alerts(session, channels, now, lease)
    with sessions.transaction() as session:
        assert outbox.claim_alerts(session, channels, now, lease) == []  # another worker's claim
        assert len(outbox.claim_alerts(session, channels, now + lease * 2, lease)) == 1  # lease ran out
    alert_id = claimed[0]
    with sessions.transaction() as session:
        status = outbox.mark_alert(
            session, alert_id, False, "down", retry_at=now + dt_.timedelta(minutes=1), max_attempts=2
        )
        assert status == "failed"
        assert outbox.claim_alerts(session, channels, now, lease) == []  # backing off
    with sessions.transaction() as session:
        assert len(outbox.claim_alerts(session, channels, now + dt_.timedelta(minutes=2), lease)) == 1
        assert outbox.mark_alert(session, alert_id, False, "down", max_attempts=2) == "dead"
    with sessions.transaction() as session:
        assert outbox.claim_alerts(session, channels, now + dt_.timedelta(days=1), lease) == []
        assert outbox.requeue_alerts(session) == 1
        assert len(outbox.claim_alerts(session, channels, now, lease)) == 1


def test_fingerprint_bands_find_every_near_duplicate() -> None:
    import random

    from newswatch.dedup import BANDS, MAX_DIFFERING_BITS, fingerprint_bands, similarity

    rng = random.Random(7)
    assert (BANDS, MAX_DIFFERING_BITS) == (7, 6)
    for _ in range(2000):
        original = rng.getrandbits(64)
        changed = original
        for bit in rng.sample(range(64), rng.randint(0, MAX_DIFFERING_BITS)):
            changed ^= 1 << bit
        first, second = f"{original:016x}", f"{changed:016x}"
        assert similarity(first, second) >= 0.9
        assert set(fingerprint_bands(first)) & set(fingerprint_bands(second))  # a shared band: found
    assert sum(width for width in (10, 9, 9, 9, 9, 9, 9)) == 64


def test_near_duplicates_come_from_the_band_index(database_url: str) -> None:
    from newswatch.dedup import text_fingerprint

    sessions = open_database(database_url)
    fingerprint = text_fingerprint(_WIRE)
    unrelated = " ".join(f"Sentence {i} of a wire story about the defence ministers' talks." for i in range(40))
    with sessions.transaction() as session:
        original, _ = articles.store_article(session, _article("wire", _WIRE), fingerprint)
        articles.store_article(session, _article("other", unrelated), text_fingerprint(unrelated))
        articles.store_article(session, _article("old", _WIRE + " old", "2020-01-01"), fingerprint)
    with sessions.transaction() as session:
        found = articles.near_duplicates(session, dt.date(2024, 4, 18), text_fingerprint(_EDITED))
    assert [article_id for article_id, _ in found] == [original]  # not the unrelated one, not the old one


def test_band_lookups_cover_each_window_when_one_band_value_is_wanted_on_many_days(database_url: str) -> None:
    from newswatch.dedup import fingerprint_bands

    sessions = open_database(database_url)
    simhash = "00000000000003ff"  # band 0's value (the low 10 bits) shared by every article here
    day = dt.date(2024, 4, 10)
    stored = {}
    with sessions.transaction() as session:
        for offset in (-4, -3, 0, 3, 5, 6, 7, 13, 14):  # days around the two windows below
            published = day + dt.timedelta(days=offset)
            other = f"{(offset + 20) << 10 | 0x3FF:016x}"  # same band 0, other bands differ
            article = _article(f"stored-{offset}", f"text {offset}", published.isoformat())
            stored[offset] = articles.store_article(session, article, other)[0]
            assert fingerprint_bands(other)[0] == fingerprint_bands(simhash)[0]
        far = f"{0x7F << 20 | 0x3FF:016x}"  # shares band 0 too, but 7 bits differ: another story
        articles.store_article(session, _article("far", "far", (day + dt.timedelta(days=1)).isoformat()), far)
    with sessions.transaction() as session:
        # Two windows of 7 days, 10 days apart: 14 days for one band value, two lookups.
        found = articles.near_duplicates_of(session, [(day, simhash), (day + dt.timedelta(days=10), simhash)])
    assert [article_id for article_id, _ in found[0]] == [stored[o] for o in (-3, 0, 3)]
    assert [article_id for article_id, _ in found[1]] == [stored[o] for o in (7, 13)]


def test_the_band_index_is_keyed_by_period_block_and_value_in_one_integer(database_url: str) -> None:
    from sqlalchemy import inspect, text

    from newswatch.dedup import index_day, index_key, index_keys, index_period, stored_fingerprint

    _an_article_stored_at_revision(
        database_url,
        "0007",
        "INSERT INTO fingerprint_bands (band, value, published, article_id, simhash)"
        " SELECT 0, 1, published, id, simhash FROM articles",
    )
    open_database(database_url)  # upgrades to head
    engine = create_db_engine(database_url)
    with engine.connect() as connection:
        key = inspect(connection).get_pk_constraint("fingerprint_bands")["constrained_columns"]
        rows = connection.execute(
            text("SELECT block_key, published_day, article_id, simhash FROM fingerprint_bands ORDER BY block_key")
        ).all()
    engine.dispose()
    assert key == ["block_key", "published_day", "article_id"]  # the period leads: new articles' rows share pages
    # 0010 converted the article's (here made-up) band into its three blocks, 0012 into keys
    day = dt.date(2024, 4, 17)
    assert [tuple(row) for row in rows] == [
        (index_key(index_period(day), block, value), index_day(day), 1, stored_fingerprint("0123456789abcdef"))
        for block, value in index_keys("0123456789abcdef")
    ]


def _an_article_stored_at_revision(database_url: str, revision: str, *then: str) -> None:
    """A new database migrated only to ``revision``, holding one feed article stored with that
    revision's schema (plain SQL), and ``then`` run after it."""
    from alembic import command
    from sqlalchemy import text

    from newswatch.storage.database import _alembic_config

    engine = create_db_engine(database_url)
    command.upgrade(_alembic_config(engine), revision)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO articles (ref, title, text, published, content_hash, source, ingested_at, simhash)"
                " VALUES ('a', 't', 'x', '2024-04-17', 'h', 'feed', '2024-04-17 00:00:00', '0123456789abcdef')"
            )
        )
        for statement in then:
            connection.execute(text(statement))
    engine.dispose()


def test_the_simhash_migration_copies_each_fingerprint_to_its_bands(database_url: str) -> None:
    from newswatch.storage.models import FingerprintBandRow

    _an_article_stored_at_revision(
        database_url,
        "0006",
        "INSERT INTO fingerprint_bands (band, value, published, article_id) SELECT 0, 1, published, id FROM articles",
    )
    sessions = open_database(database_url)  # upgrades to head
    with sessions.transaction() as session:
        # 3 blocks (0010), the SimHash as an integer (0012)
        assert session.scalars(select(FingerprintBandRow.simhash)).all() == [0x0123456789ABCDEF] * 3


def test_the_band_migration_indexes_articles_stored_before_it(sqlite_url: str) -> None:
    from newswatch.storage.models import FingerprintBandRow

    _an_article_stored_at_revision(sqlite_url, "0004")
    sessions = open_database(sqlite_url)  # upgrades to head
    assert _count(sessions, FingerprintBandRow) == 3  # 7 bands (0005), then 3 blocks (0010)


# --- storing in batches: as if one by one, in order ----------------------------------------

_WORDS = [f"word{(i * 7919) % 5003}" for i in range(300)]
_WIRE = " ".join(_WORDS)
_EDITED = " ".join([*_WORDS[:150], "inserted", *_WORDS[150:]])  # 95 % of the bits equal: a copy


def _feed_item(ref: str, text: str, day: str = "2024-04-17") -> Classification:
    article = Article(ref=ref, published=dt.date.fromisoformat(day), text=text, title=ref, source="feed")
    return Classification(article, topics=(), contact=None)


def test_an_article_twice_in_one_batch_is_stored_once_and_the_second_points_at_the_first(
    database_url: str, classifier: Classifier
) -> None:
    from dataclasses import replace

    sessions = open_database(database_url)
    first, second = (classifier.classify(a) for a in read_seed_files([SEEDS])[0])
    same_ref = replace(second, article=replace(second.article, text=second.article.text + " Updated."))
    same_content = replace(first, article=replace(first.article, ref="elsewhere.txt"))
    stored = store_classifications(sessions, [first, second, same_ref, same_content], CHANNELS)
    assert [(s.new, s.new_event) for s in stored] == [(True, True), (True, True), (False, False), (False, False)]
    assert stored[2].event_id == stored[1].event_id is not None
    assert stored[3].event_id == stored[0].event_id is not None
    assert [_count(sessions, m) for m in (ArticleRow, ContactEventRow, EventArticleRow, AlertRow)] == [2, 2, 2, 4]


def test_articles_skipped_in_a_batch_resolve_to_what_was_stored_at_their_turn(database_url: str) -> None:
    sessions = open_database(database_url)
    with sessions.transaction() as session:
        ((stored, _),) = articles.store_articles(session, [_article("taken", "stored text")], [None])
    batch = [
        _article("taken", "new text"),  # its ref is taken: not stored, so its text stays free ...
        _article("fresh", "new text"),  # ... for this one
        _article("other", "stored text"),  # the stored one's content
        _article("fresh", "more text"),  # the ref of the batch's second article
        _article("other", "new text  "),  # ref free, content of the batch's second article
    ]
    with sessions.transaction() as session:
        result = articles.store_articles(session, batch, [None] * len(batch))
    fresh = result[1][0]
    assert result == [(stored, False), (fresh, True), (stored, False), (fresh, False), (fresh, False)]
    assert _count(sessions, ArticleRow) == 2


def test_a_near_copy_of_an_earlier_article_of_the_same_batch_is_its_duplicate(database_url: str) -> None:
    from newswatch.storage.models import FingerprintBandRow

    sessions = open_database(database_url)
    near_copy = _EDITED
    items = [
        _feed_item("unrelated", " ".join(f"item{(i * 104729) % 7001}" for i in range(300))),
        _feed_item("wire", _WIRE),
        _feed_item("copy", near_copy, "2024-04-20"),  # three days later: a copy
        _feed_item("late", near_copy + " Late.", "2024-04-21"),  # four days: an original again
        _feed_item("copy-of-late", near_copy + " Late!", "2024-04-24"),  # the wire is too old for it
    ]
    stored = store_classifications(sessions, items, [])
    with sessions.transaction() as session:
        ids = dict(session.execute(select(ArticleRow.ref, ArticleRow.id)).tuples().all())
        marked = dict(session.execute(select(ArticleRow.ref, ArticleRow.duplicate_of_id)).tuples().all())
        indexed = set(session.scalars(select(FingerprintBandRow.article_id)))
    assert [s.duplicate_of for s in stored] == [None, None, ids["wire"], None, ids["late"]]
    assert marked == {"unrelated": None, "wire": None, "copy": ids["wire"], "late": None, "copy-of-late": ids["late"]}
    assert indexed == {ids["unrelated"], ids["wire"], ids["late"]}  # originals only


def test_later_batches_find_what_earlier_ones_stored(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from newswatch.app import storing

    monkeypatch.setattr(storing, "STORE_BATCH_SIZE", 2)
    sessions = open_database(database_url)
    items = [
        _feed_item("wire", _WIRE),
        _feed_item("copy", _EDITED),  # same batch
        _feed_item("wire", "Another text."),  # next batch, same ref as the first
        _feed_item("copy-2", _EDITED + " more"),  # next batch, a copy
    ]
    stored = store_classifications(sessions, items, [])
    assert [(s.new, s.duplicate_of) for s in stored] == [(True, None), (True, 1), (False, None), (True, 1)]


def test_flows_opening_a_new_database_at_once_migrate_it_once(tmp_path: Path) -> None:
    # serve starts its monitor and digest together: both open (and migrate) a new database.
    import threading

    url = f"sqlite:///{tmp_path / 'new.db'}"
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            open_database(url)
        except BaseException as exc:  # (collected: a thread's exception is otherwise lost)
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _count(open_database(url), ContactEventRow) == 0
