"""The HTML report on a real SQLite file filled by the pipeline: the seed contacts, escaping of
everything that comes from articles and feeds, an empty database, the period (by when newswatch
first saw a contact, or by its date), weekly or monthly bins, and the report the monitor flow
rewrites after each cycle. How Chromium renders the page: tests/test_report_browser.py."""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newswatch.app.storing import store_classifications
from newswatch.classify import Classifier
from newswatch.cli import ExitStatus, app
from newswatch.model import Article, Mode, Participant, Status, StoredEvent
from newswatch.report import ReportEvent, TopicBins, TopicDay, safe_link, topic_counts
from newswatch.report_charts import MODE_COLOURS, timeline_svg, topic_volume_svg
from newswatch.seeds import read_seed_files
from newswatch.storage import feeds
from newswatch.storage.database import open_database
from tests.conftest import SEEDS, config_folder

runner = CliRunner()
HOSTILE = "<script>alert(1)</script>"


class _Page(HTMLParser):
    """Every element of a page with its attributes, and the text of its <style> blocks."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self._in_style = False
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.elements if tag == name]


def assert_self_contained(page: str) -> _Page:
    """No script, and nothing the browser would load: every src/href but an article link is a
    reference inside the page."""
    parsed = _Page(page)
    tags = {tag for tag, _ in parsed.elements}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed", "base", "audio", "video", "source"}
    assert "<script" not in page.lower()
    for tag, attrs in parsed.elements:
        for name, value in attrs.items():
            assert not name.startswith("on"), f"event handler {name} on <{tag}>"
            if name in ("src", "srcset", "poster", "data", "action"):
                pytest.fail(f"<{tag} {name}={value!r}> loads a resource")
            if name.endswith("href") and tag != "a":
                assert (value or "").startswith("#"), f"<{tag} {name}={value!r}> points outside the page"
    css = " ".join(parsed.styles)
    assert "@import" not in css and "@font-face" not in css
    assert re.findall(r"url\(\s*['\"]?(?!#)", css) == []
    # matplotlib's SVG: style attributes only ever refer to the page's own clip paths
    assert re.findall(r"url\((?!#)", page) == []
    return parsed


@pytest.fixture
def seeded_url(sqlite_url: str, classifier: Classifier) -> str:
    """A real SQLite file holding the two seed articles stored by the pipeline, one healthy feed
    and one failing feed as the monitor records them."""
    sessions = open_database(sqlite_url)
    articles, failures = read_seed_files([SEEDS])
    assert not failures and len(articles) == 2
    store_classifications(sessions, [classifier.classify(a) for a in articles], [])
    with sessions.transaction() as session:
        feeds.record_feed_poll(
            session, "https://news.usni.org/feed", "USNI News", status=200, error=None, entries_seen=20, new_items=2
        )
        for _ in range(3):
            feeds.record_feed_poll(
                session,
                "https://wire.example.org/feed.xml",
                "Example <b>Wire</b>",
                status=503,
                error=f"HTTP 503 Service Unavailable {HOSTILE}",
            )
    return sqlite_url


def _report(url: str, out: Path, *options: str) -> tuple[str, str]:
    """Run `newswatch report`; returns its output line and the page."""
    result = runner.invoke(app, ["report", "--out", str(out), "--db", url, *options])
    assert result.exit_code == 0, result.output
    return result.output, out.read_text(encoding="utf-8")


def _event_rows(page: str) -> dict[int, str]:
    """The events table's rows, as text, by event id."""
    rows = re.findall(r'<tr data-event-id="(\d+)">(.*?)</tr>', page, re.S)
    return {int(event_id): " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split()) for event_id, row in rows}


def test_the_seed_contacts_in_one_self_contained_page(seeded_url: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    output, page = _report(seeded_url, out)
    assert output == f"Report: {out} (2 events, 2 articles, 2 feeds)\n"
    parsed = assert_self_contained(page)

    rows = _event_rows(page)
    assert len(rows) == 2
    austin, brown = (
        next(row for row in rows.values() if name in row) for name in ("Lloyd Austin", "Charles Q. Brown Jr.")
    )
    for expected in ("2024-04-16", "Dong Jun", "Secretary of Defense", "Minister of National Defense", "talks", "held"):
        assert expected in austin
    assert "000_fa17d5cd43c4c00b.txt" in austin and "told US counterpart Lloyd Austin on Tuesday" in austin
    for expected in ("2023-12-21", "Liu Zhenli", "Chairman of the Joint Chiefs of Staff", "video call", "held"):
        assert expected in brown
    assert "004_ec52301a8b636dd9.txt" in brown and "held a video conference with a US counterpart" in brown
    # Newest first.
    assert page.index("Lloyd Austin</strong>") < page.index("Charles Q. Brown Jr.</strong>")

    charts = [attrs for attrs in parsed.tags("svg") if attrs.get("class") == "chart"]
    assert [c["aria-label"] for c in charts] == [
        "Timeline of contacts by date, coloured by mode",
        "Articles per topic per week",
    ]
    timeline = page[page.index('<svg role="img" aria-label="Timeline') : page.index("</svg>")]
    assert "Lloyd Austin – Dong Jun" in timeline and "Charles Q. Brown Jr. – Liu Zhenli" in timeline
    assert "#1 · 2024-04-16" in timeline or "#2 · 2024-04-16" in timeline
    for mode in ("video_call", "unspecified"):
        assert MODE_COLOURS[mode].lower() in timeline.lower(), f"no {mode} marker in the timeline"
    assert ">video call<" in timeline and ">talks<" in timeline and ">senior level<" in timeline  # the legend
    # Ids are scoped per chart, so the two charts never share one.
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))

    feeds = page[page.index('<section id="feeds">') :]
    assert feeds.index("Example &lt;b&gt;Wire&lt;/b&gt;") < feeds.index("USNI News")  # failing first
    assert "HTTP 503 Service Unavailable &lt;script&gt;" in feeds and ">3<" in feeds


def test_text_from_articles_and_feeds_is_escaped_and_only_http_links(
    sqlite_url: str, classifier: Classifier, tmp_path: Path
) -> None:
    seed = tmp_path / "articles" / "hostile.txt"
    seed.parent.mkdir()
    seed.write_text(
        "date 2024-09-11\n"
        f"Lloyd Austin held a video call with Dong Jun on Tuesday {HOSTILE}, the Pentagon said.\n\n"
        "The two discussed the South China Sea and Taiwan.\n",
        encoding="utf-8",
    )
    articles, failures = read_seed_files([seed.parent])
    assert not failures
    from_feed = Article(
        ref="javascript:alert(document.cookie)",
        published=dt.date(2024, 9, 12),
        title='<img src=x onerror="alert(2)"> Austin and Dong spoke',
        text="Lloyd Austin spoke by video call with Chinese Defense Minister Dong Jun on Tuesday, officials said.",
        source="feed",
        feed_url="https://wire.example.org/feed.xml",
    )
    linked = Article(
        ref="https://news.example.org/austin-dong?a=1&b=2",
        published=dt.date(2024, 9, 12),
        title="Austin, Dong hold video call",
        text="Defense Secretary Lloyd Austin held a video call with Dong Jun, China's defense minister, on Tuesday.",
        source="feed",
        feed_url="https://news.example.org/feed",
    )
    classified = [classifier.classify(a) for a in [*articles, from_feed, linked]]
    assert all(c.contact is not None for c in classified), "each article must report the contact"
    store_classifications(open_database(sqlite_url), classified, [])

    _, page = _report(sqlite_url, tmp_path / "report.html")
    assert_self_contained(page)
    assert HOSTILE not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown, as text: in the title and the evidence
    # as text four times: the source's title, the evidence's excerpt (in its closed <details>'
    # summary) and the evidence itself, and the title again as the evidence's source
    assert html.unescape(page).count(f"Dong Jun on Tuesday {HOSTILE}, the Pentagon said.") == 4
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in page
    anchors = [attrs["href"] for attrs in _Page(page).tags("a")]
    assert "https://news.example.org/austin-dong?a=1&b=2" in anchors
    assert all(href and href.startswith(("https://", "http://")) for href in anchors), anchors
    assert "javascript:alert(document.cookie)" in html.unescape(page)  # its ref is shown, not linked


def test_an_empty_database_gives_a_page_that_says_so(sqlite_url: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    open_database(sqlite_url)  # (`report` only reads: it creates no database)
    output, page = _report(sqlite_url, out)
    assert output == f"Report: {out} (0 events, 0 articles, 0 feeds)\n"
    parsed = assert_self_contained(page)
    assert parsed.tags("svg") == [] and parsed.tags("table") == []
    assert "No contact stored yet, so there is nothing to chart." in page
    assert "No stored article matches a tracked topic yet" in page
    assert "No feed polled yet." in page
    assert page.rstrip().endswith("</html>")


def _backdate_the_2023_contact(url: str, days: int) -> dt.date:
    """Make newswatch have first seen the 2023 seed contact, and stored its article, ``days``
    days ago (the seeds are all stored today); returns that day."""
    from sqlalchemy import update

    from newswatch.storage.models import ArticleRow, ContactEventRow

    then = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    with open_database(url).transaction() as session:
        moved = session.execute(
            update(ContactEventRow).where(ContactEventRow.date < dt.date(2024, 1, 1)).values(first_seen=then)
        )
        assert moved.rowcount == 1  # type: ignore[attr-defined]  # a CursorResult
        moved = session.execute(
            update(ArticleRow).where(ArticleRow.published < dt.date(2024, 1, 1)).values(ingested_at=then)
        )
        assert moved.rowcount == 1  # type: ignore[attr-defined]  # a CursorResult
    return then.date()


def test_the_period_counts_from_when_newswatch_first_saw_a_contact(seeded_url: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    # Both contacts took place in 2023-2024, but newswatch found them today: they are in the last week.
    output, page = _report(seeded_url, out, "--days", "7")
    assert output == f"Report: {out} (2 events, 2 articles, 2 feeds)\n"
    week_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=7)).date().isoformat()
    assert f"contacts first seen and articles stored on or after {week_ago}" in page

    found = _backdate_the_2023_contact(seeded_url, days=40)
    output, page = _report(seeded_url, out, "--days", "30")
    assert output == f"Report: {out} (1 event, 1 article, 2 feeds)\n"
    assert [row.split()[1] for row in _event_rows(page).values()] == ["2024-04-16"]
    output, page = _report(seeded_url, out, "--since", found.isoformat())
    assert output == f"Report: {out} (2 events, 2 articles, 2 feeds)\n"
    first_seen = {row.split()[1]: row.split()[2] for row in _event_rows(page).values()}
    assert first_seen == {"2024-04-16": dt.datetime.now(dt.UTC).date().isoformat(), "2023-12-21": found.isoformat()}
    # The topic chart counts articles by the day they were stored: two days, 40 days apart.
    assert "articles counted by the day newswatch stored them" in page
    output, page = _report(seeded_url, out, "--since", (found + dt.timedelta(days=1)).isoformat())
    assert output == f"Report: {out} (1 event, 1 article, 2 feeds)\n"


def test_by_contact_date_the_period_counts_from_the_contact_itself(seeded_url: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    output, page = _report(seeded_url, out, "--by", "contact-date", "--since", "2024-01-01")
    assert output == f"Report: {out} (1 event, 1 article, 2 feeds)\n"
    assert [row.split()[1] for row in _event_rows(page).values()] == ["2024-04-16"]
    assert "contacts dated and articles published on or after 2024-01-01" in page
    assert "articles counted by their publication date" in page

    days = (dt.datetime.now(dt.UTC).date() - dt.date(2023, 12, 21)).days
    output, page = _report(seeded_url, out, "--by", "contact-date", "--days", str(days))
    assert output == f"Report: {out} (2 events, 2 articles, 2 feeds)\n"
    output, page = _report(seeded_url, out, "--by", "contact-date", "--days", "7")
    assert output == f"Report: {out} (0 events, 0 articles, 2 feeds)\n"
    week_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=7)).date().isoformat()
    assert f"No contact dated on or after {week_ago}, so there is nothing to chart." in page


def test_since_and_days_together_are_a_usage_error(seeded_url: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    both = runner.invoke(app, ["report", "--out", str(out), "--db", seeded_url, "--since", "2024-01-01", "--days", "3"])
    assert both.exit_code == ExitStatus.USAGE
    assert both.output == "newswatch: error: give --since or --days, not both\n"
    assert not out.exists()


def test_a_report_that_cannot_be_written_is_one_line(sqlite_url: str, tmp_path: Path) -> None:
    out = tmp_path / "missing-folder" / "report.html"
    open_database(sqlite_url)
    result = runner.invoke(app, ["report", "--out", str(out), "--db", sqlite_url])
    assert result.exit_code == ExitStatus.ERROR
    assert result.output == f"newswatch: error: cannot write the report to {out}: No such file or directory\n"


def test_report_help_has_an_example() -> None:
    result = runner.invoke(app, ["report", "--help"])
    assert result.exit_code == 0
    assert "Example: newswatch report" in result.output


def test_topic_counts_fill_empty_weeks_from_monday() -> None:
    days = [
        TopicDay("taiwan", dt.date(2024, 4, 17), 2),  # Wednesday
        TopicDay("taiwan", dt.date(2024, 4, 21), 1),  # Sunday, same week
        TopicDay("south-china-sea", dt.date(2024, 4, 1), 1),
        TopicDay("taiwan", dt.date(2024, 4, 22), 4),  # Monday, next week
    ]
    bins = topic_counts(days)
    assert bins.unit == "week"
    assert bins.starts == [dt.date(2024, 4, 1), dt.date(2024, 4, 8), dt.date(2024, 4, 15), dt.date(2024, 4, 22)]
    assert bins.series == {"taiwan": [0, 0, 3, 4], "south-china-sea": [1, 0, 0, 0]}
    assert list(bins.series) == ["taiwan", "south-china-sea"]  # most articles first
    assert topic_counts([]) == TopicBins("week", [], {})


def test_more_than_six_months_of_articles_are_counted_per_month() -> None:
    # 2022-12-31 to 2023-07-02: 183 days, still weekly; one more day and the bins are months.
    weekly = [TopicDay("taiwan", dt.date(2022, 12, 31), 1), TopicDay("taiwan", dt.date(2023, 7, 2), 2)]
    assert topic_counts(weekly).unit == "week" and len(topic_counts(weekly).starts) == 27
    days = [
        TopicDay("taiwan", dt.date(2022, 11, 30), 1),
        TopicDay("taiwan", dt.date(2022, 12, 1), 2),
        TopicDay("taiwan", dt.date(2022, 12, 31), 1),
        TopicDay("south-china-sea", dt.date(2023, 7, 2), 5),
    ]
    bins = topic_counts(days)
    assert bins.unit == "month"
    assert bins.starts == [dt.date(2022, 11, 1), dt.date(2022, 12, 1), *(dt.date(2023, m, 1) for m in range(1, 8))]
    assert bins.series == {"south-china-sea": [0, 0, 0, 0, 0, 0, 0, 0, 5], "taiwan": [1, 3, 0, 0, 0, 0, 0, 0, 0]}
    assert bins.next_start(dt.date(2023, 12, 1)) == dt.date(2024, 1, 1)

    five_years = [TopicDay("taiwan", dt.date(2020, 1, 1) + dt.timedelta(days=7 * n), 1) for n in range(261)]
    bins = topic_counts(five_years)
    assert bins.unit == "month" and len(bins.starts) == 60 and sum(bins.series["taiwan"]) == 261
    svg = topic_volume_svg(bins, {"taiwan": "Taiwan"})
    assert svg is not None and 'aria-label="Articles per topic per month"' in svg and ">articles per month<" in svg
    # one bar per month, each about three weeks wide: not the hairlines of 261 weekly bars
    bars = re.findall(r'<g id="topics-patch_\d+">\s*<path d="M ([\d.]+) [\d.]+\s+L ([\d.]+) ', svg)
    widths = [width for left, right in bars if 0 < (width := float(right) - float(left)) < 100]  # not the axes
    assert len(widths) == 60 and min(widths) > 6, widths


def _event(event_id: int, day: str, mode: Mode, status: Status = "held", level: str = "senior") -> ReportEvent:
    austin = Participant("lloyd-austin", "Lloyd Austin", "us", "Secretary of Defense", "us-secdef")
    dong = Participant("dong-jun", "Dong Jun", "cn", "Minister of National Defense", "cn-defmin")
    stored = StoredEvent(
        event_id, dt.date.fromisoformat(day), mode, None, (austin, dong), (), (), status=status, level=level
    )
    return ReportEvent(stored, dt.datetime(2025, 1, 1, tzinfo=dt.UTC), alerted=False)


@pytest.mark.filterwarnings("error")
def test_the_timeline_shows_planned_and_working_level_contacts_and_is_reproducible() -> None:
    events = [
        _event(1, "2025-03-01", "meeting"),
        _event(2, "2025-03-03", "phone_call", level="working"),  # crowded: labels must move, not overlap
        _event(3, "2025-03-04", "video_call", status="planned"),
        _event(4, "2025-03-05", "unspecified"),
    ]
    svg = timeline_svg(events, today=dt.date(2025, 3, 2))
    assert svg is not None and svg.startswith('<svg role="img"')
    for legend in (
        "meeting",
        "phone call",
        "video call",
        "talks",
        "senior level",
        "working level",
        "planned (not yet held)",
    ):
        assert f">{legend}<" in svg
    assert ">today<" in svg and ">#1 · 2025-03-01<" in svg
    assert re.findall(r'\bid="(?!timeline-)', svg) == []
    assert timeline_svg(events, today=dt.date(2025, 3, 2)) == svg  # no date, no random id
    assert timeline_svg([]) is None and topic_volume_svg(TopicBins("week", [], {}), {}) is None


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("https://news.usni.org/2024/04/16/austin-dong", "https://news.usni.org/2024/04/16/austin-dong"),
        ("HTTP://example.org/a", "HTTP://example.org/a"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("file:///etc/passwd", None),
        ("000_fa17d5cd43c4c00b.txt", None),
        ("//example.org/protocol-relative", None),
        ("https://", None),
        ("http://[::1", None),
        ("", None),
    ],
)
def test_only_absolute_http_urls_become_links(url: str, link: str | None) -> None:
    assert safe_link(url) == link


def test_the_command_prints_one_line_and_no_noise(seeded_url: str, tmp_path: Path) -> None:
    """In a fresh process with an empty matplotlib cache, so that matplotlib builds its font cache."""
    out = tmp_path / "report.html"
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / "matplotlib"), "NEWSWATCH_HOME": str(tmp_path / "home")}
    result = subprocess.run(
        [sys.executable, "-m", "newswatch", "report", "--out", str(out), "--db", seeded_url],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == f"Report: {out} (2 events, 2 articles, 2 feeds)\n"


def test_sources_evidence_and_long_errors_are_closed_details(seeded_url: str, tmp_path: Path) -> None:
    long_error = "HTTP 502 Bad Gateway: " + "upstream-connect-error/reset-before-headers " * 12
    long_url = "https://wire.example.org/" + "a-very-long-path-segment/" * 20 + "feed.xml"
    with open_database(seeded_url).transaction() as session:
        feeds.record_feed_poll(session, long_url, "Long Wire", status=502, error=long_error)
    _, page = _report(seeded_url, tmp_path / "report.html")
    parsed = assert_self_contained(page)

    details = parsed.tags("details")
    assert len(details) == 2 * 2 + 1  # sources and evidence of each event, and the long error
    assert all("open" not in attrs for attrs in details), "a <details> is open by default"
    assert sorted(attrs["class"] or "" for attrs in details) == ["error", "evidence", "evidence", "sources", "sources"]
    for event_id, row in re.findall(r'<tr data-event-id="(\d+)">(.*?)</tr>', page, re.S):
        sources = row[row.index('<details class="sources">') : row.index("</details>")]
        assert "000_fa17d5cd43c4c00b.txt" in sources or "004_ec52301a8b636dd9.txt" in sources, event_id
        assert "<summary" in sources and "independent</span></summary>" in sources
        evidence = row[row.index('<details class="evidence">') :]
        assert re.search(r"<summary><span class=\"clamp\">\d+ (quote|sentence)s?<span class=\"excerpt\">", evidence)
    # The long error: clamped in its summary, whole in the summary's title; the short one is plain text.
    feeds_section = page[page.index('<section id="feeds">') :]
    assert f'<summary title="{html.escape(long_error)}"><span class="clamp whole">' in feeds_section
    assert '<span class="error">HTTP 503 Service Unavailable &lt;script&gt;' in feeds_section
    assert f'<span class="url clamp" title="{long_url}">' in feeds_section
    # Nothing can widen the tables: fixed layout, every cell wraps anywhere.
    css = " ".join(parsed.styles)
    assert "table-layout: fixed" in css and "overflow-wrap: anywhere" in css


def _write_config(folder: Path, **report: object) -> Path:
    return config_folder(folder, report=report)


def test_the_configured_report_lives_in_the_newswatch_home_unless_absolute(seeded_url: str, tmp_path: Path) -> None:
    from newswatch.app.reporting import configured_report_path, write_configured_report
    from newswatch.settings import load_settings

    home = tmp_path / "home"
    shipped = load_settings()
    assert shipped.core.report.path is None and shipped.core.report.days == 90
    assert configured_report_path(shipped, home) is None
    assert write_configured_report(open_database(seeded_url), shipped, home, dt.datetime.now(dt.UTC)) is None
    assert not home.exists()

    settings = load_settings(_write_config(tmp_path / "relative", path="reports/newswatch.html", days=30))
    found = _backdate_the_2023_contact(seeded_url, days=40)
    out = write_configured_report(open_database(seeded_url), settings, home, dt.datetime.now(dt.UTC))
    assert out == home / "reports" / "newswatch.html"
    page = out.read_text(encoding="utf-8")
    assert len(_event_rows(page)) == 1 and "Lloyd Austin" in page  # the 2023 contact was found 40 days ago
    assert list(out.parent.iterdir()) == [out]  # no temporary file left beside it

    absolute = tmp_path / "elsewhere" / "report.html"
    settings = load_settings(_write_config(tmp_path / "absolute", path=str(absolute), days=50))
    assert configured_report_path(settings, home) == absolute
    write_configured_report(open_database(seeded_url), settings, home, dt.datetime.now(dt.UTC))
    assert len(_event_rows(absolute.read_text(encoding="utf-8"))) == 2, found


def _run_monitor_once(feed_site: object, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, config: Path):
    """One monitor cycle over a local feed of the Austin–Dong seed article, as `serve` runs it."""
    from newswatch.flows.monitor import monitor
    from newswatch.seeds import read_seed_file

    article = read_seed_file(SEEDS / "000_fa17d5cd43c4c00b.txt")
    feed_site.add_article("austin-dong", article.title, article.published, article.text.split("\n\n"))  # type: ignore[attr-defined]
    feed = feed_site.add_feed("report", "rss2", ["austin-dong"])  # type: ignore[attr-defined]
    monkeypatch.setenv("NEWSWATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'monitor.db'}")
    monkeypatch.setenv("NEWSWATCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NEWSWATCH_ALLOW_PRIVATE_NETWORKS", "1")
    return monitor([feed], str(config)), feed


def test_each_monitor_cycle_rewrites_the_configured_report(
    prefect_server: str, feed_site: object, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = _write_config(tmp_path / "config", path="report.html")
    report, feed = _run_monitor_once(feed_site, monkeypatch, tmp_path, config)
    assert len(report.run.new_events) == 1
    page = (tmp_path / "home" / "report.html").read_text(encoding="utf-8")
    assert_self_contained(page)
    assert [row.split()[1] for row in _event_rows(page).values()] == ["2024-04-16"]
    assert f'title="{feed}"' in page  # the polled feed's health, as recorded in this cycle


class _Warnings(logging.Handler):
    """The warnings a logger emits, kept."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_report_that_cannot_be_written_is_one_warning_and_the_cycle_completes(
    prefect_server: str, feed_site: object, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    taken = tmp_path / "report.html"
    taken.mkdir()  # a folder where the report should be
    config = _write_config(tmp_path / "config", path=str(taken))
    handler = _Warnings()
    logger = logging.getLogger("prefect.flow_runs")
    logger.addHandler(handler)
    try:
        report, _ = _run_monitor_once(feed_site, monkeypatch, tmp_path, config)
    finally:
        logger.removeHandler(handler)
    assert len(report.run.new_events) == 1  # the cycle's work is done
    lines = [record.getMessage() for record in handler.records if "report" in record.getMessage()]
    assert lines == [f"cannot write the report to {taken}: Is a directory"]
    assert [path.name for path in tmp_path.glob(".report.html.*")] == []  # its temporary file removed
