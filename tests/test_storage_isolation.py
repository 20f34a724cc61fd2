"""Storage isolation (issue 16, rows 7 and 1): text a database cannot hold (NUL, lone surrogates)
is cleaned where articles are made; a row the database still refuses fails alone, is reported
against its article, and is tried again on the next run — the rest of its batch is stored."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from sqlalchemy import select

from newswatch.app.storing import StoredArticle, store_classifications
from newswatch.classify import Classifier
from newswatch.flows.tasks import run_report
from newswatch.model import Article, Classification, ReadFailure
from newswatch.seeds import read_seed_files
from newswatch.storage.database import open_database
from newswatch.storage.models import ArticleRow
from tests.conftest import SEEDS


def _item(ref: str, text: str, **fields: object) -> Classification:
    article = Article(ref=ref, published=dt.date(2024, 4, 17), text=text, title=text[:30], **fields)  # type: ignore[arg-type]
    return Classification(article, topics=(), contact=None)


def _stored(database_url: str) -> dict[str, tuple[str, str]]:
    """Each stored article's ref: its title and text."""
    with open_database(database_url).transaction() as session:
        rows = session.execute(select(ArticleRow.ref, ArticleRow.title, ArticleRow.text))
        return {row.ref: (row.title, row.text) for row in rows}


def test_a_nul_byte_in_a_seed_file_is_removed_and_its_batch_is_stored(
    postgres_url: str, tmp_path: Path, classifier: Classifier
) -> None:
    (tmp_path / "a.txt").write_bytes(b" date 2024-04-17 Before\x00after the talks.\n\nSecond\x00 paragraph.")
    for seed in sorted(SEEDS.glob("*.txt")):
        (tmp_path / seed.name).write_bytes(seed.read_bytes())
    articles, failures = read_seed_files([tmp_path])
    assert failures == []
    stored = store_classifications(open_database(postgres_url), [classifier.classify(a) for a in articles], [])
    assert [s.new for s in stored] == [True, True, True] and all(s.error is None for s in stored)
    rows = _stored(postgres_url)
    assert rows["a.txt"] == ("Beforeafter the talks.", "Beforeafter the talks.\n\nSecond paragraph.")
    assert len(rows) == 3


def test_lone_surrogates_and_nul_in_feed_fields_are_removed_on_every_database(database_url: str) -> None:
    item = _item(
        "https://example.org/a",
        "Text \ud800with a lone surrogate\x00.",
        source="feed",
        author="Ann\x00 Author\udfff",
        site_name="Site\x00",
        guid="g\x001",
    )
    stored = store_classifications(open_database(database_url), [item], [])
    assert stored[0].new and stored[0].error is None
    with open_database(database_url).transaction() as session:
        row = session.scalars(select(ArticleRow)).one()
        assert (row.text, row.author, row.site_name, row.guid) == (
            "Text with a lone surrogate.",
            "Ann Author",
            "Site",
            "g1",
        )


def test_author_and_site_name_longer_than_their_columns_are_cut_to_fit(postgres_url: str) -> None:
    item = _item("https://example.org/a", "Some text.", source="feed", author="A" * 600, site_name="S" * 700)
    stored = store_classifications(open_database(postgres_url), [item], [])
    assert stored[0].new and stored[0].error is None
    with open_database(postgres_url).transaction() as session:
        row = session.scalars(select(ArticleRow)).one()
        assert (len(row.author or ""), len(row.site_name or "")) == (512, 512)


def test_a_row_the_database_refuses_fails_alone_and_is_tried_again_next_run(postgres_url: str) -> None:
    too_long = "https://example.org/" + "x" * 3000  # a canonical URL over the ref column's 2,048
    batch = [
        _item("https://example.org/first", "The first article."),
        _item(too_long, "An article whose URL the database cannot hold."),
        _item("https://example.org/third", "The third article."),
    ]
    sessions = open_database(postgres_url)
    stored = store_classifications(sessions, batch, [])
    assert [(s.ref == item.article.ref, s.new) for s, item in zip(stored, batch, strict=True)] == [
        (True, True),
        (True, False),
        (True, True),
    ]
    assert stored[0].error is None and stored[2].error is None
    assert stored[1].error is not None
    assert stored[1].error.startswith("StringDataRightTruncation: value too long for type character varying(2048)")
    assert "\n" not in stored[1].error and "INSERT" not in stored[1].error  # one line, no SQL
    assert set(_stored(postgres_url)) == {"https://example.org/first", "https://example.org/third"}

    again = store_classifications(sessions, batch, [])
    assert [s.new for s in again] == [False, False, False]
    assert again[1].error == stored[1].error  # not stored: tried again, and refused again


def test_the_run_report_names_each_failed_item_once_beside_the_read_failures(sqlite_url: str) -> None:
    sessions = open_database(sqlite_url)
    stored = [StoredArticle("a.txt", new=True), StoredArticle("b.txt", new=False, error="DataError: boom")]
    report = run_report(sessions, 3, [ReadFailure("c.txt", "not UTF-8")], stored, [], [])
    assert [s.ref for s in report.stored] == ["a.txt"]
    assert report.failures == [ReadFailure("c.txt", "not UTF-8"), ReadFailure("b.txt", "not stored: DataError: boom")]


def test_the_article_record_cleans_its_text_once_where_it_is_made() -> None:
    article = Article(ref="r\x00", published=dt.date(2024, 1, 1), text="a\x00b\ud83dc", title="t\x00")
    assert (article.ref, article.text, article.title) == ("r", "abc", "t")
    assert dataclasses.replace(article, text="x\x00y").text == "xy"
    assert article.content_hash == Article(ref="r", published=dt.date(2024, 1, 1), text="abc").content_hash
