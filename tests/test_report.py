"""The HTML report on a real SQLite file filled by the pipeline: the seed contacts, escaping of
everything that comes from articles and feeds, an empty database, and the page as headless
Chromium renders it (a screenshot is kept in tests/output/report.png for a human to look at)."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import shutil
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
from newswatch.report import (
    MODE_COLOURS,
    ReportEvent,
    TopicDay,
    safe_link,
    timeline_svg,
    topic_volume_svg,
    weekly_topic_counts,
)
from newswatch.seeds import read_seed_files
from newswatch.storage import feeds
from newswatch.storage.database import open_database
from tests.conftest import REPO, SEEDS

runner = CliRunner()
OUTPUT = REPO / "tests" / "output"
CHROMIUM_TIMEOUT_SECONDS = 120
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
    # as text three times: the source's title, the evidence, and the title again as its source
    assert html.unescape(page).count(f"Dong Jun on Tuesday {HOSTILE}, the Pentagon said.") == 3
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


def test_since_and_days_limit_the_period(seeded_url: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    output, page = _report(seeded_url, out, "--since", "2024-01-01")
    assert output == f"Report: {out} (1 event, 1 article, 2 feeds)\n"
    assert [row.split()[1] for row in _event_rows(page).values()] == ["2024-04-16"]
    assert "on or after 2024-01-01" in page

    days = (dt.datetime.now(dt.UTC).date() - dt.date(2023, 12, 21)).days
    output, page = _report(seeded_url, out, "--days", str(days))
    assert output == f"Report: {out} (2 events, 2 articles, 2 feeds)\n"
    output, page = _report(seeded_url, out, "--days", str(days - 200))
    assert output.startswith(f"Report: {out} (0 events, 0 articles")

    both = runner.invoke(app, ["report", "--out", str(out), "--db", seeded_url, "--since", "2024-01-01", "--days", "3"])
    assert both.exit_code == ExitStatus.USAGE
    assert both.output == "newswatch: error: give --since or --days, not both\n"


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


def test_weekly_topic_counts_fill_empty_weeks_from_monday() -> None:
    days = [
        TopicDay("taiwan", dt.date(2024, 4, 17), 2),  # Wednesday
        TopicDay("taiwan", dt.date(2024, 4, 21), 1),  # Sunday, same week
        TopicDay("south-china-sea", dt.date(2024, 4, 1), 1),
        TopicDay("taiwan", dt.date(2024, 4, 22), 4),  # Monday, next week
    ]
    weeks, series = weekly_topic_counts(days)
    assert weeks == [dt.date(2024, 4, 1), dt.date(2024, 4, 8), dt.date(2024, 4, 15), dt.date(2024, 4, 22)]
    assert series == {"taiwan": [0, 0, 3, 4], "south-china-sea": [1, 0, 0, 0]}
    assert list(series) == ["taiwan", "south-china-sea"]  # most articles first
    assert weekly_topic_counts([]) == ([], {})


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
    assert timeline_svg([]) is None and topic_volume_svg([], {}, {}) is None


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


def _chromium(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium on its own profile, with every host name unresolvable: the page
    must render from the file alone."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Chromium is not installed; apt-get install chromium (needed to check how the report renders)")
    profile = tmp_path / f"chromium-profile-{len(list(tmp_path.glob('chromium-profile-*')))}"
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--hide-scrollbars",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}",
        *arguments,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT_SECONDS, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def test_the_page_renders_in_headless_chromium(seeded_url: str, tmp_path: Path) -> None:
    from PIL import Image  # matplotlib's own dependency

    out = tmp_path / "report.html"
    _report(seeded_url, out)

    dom = _Page(_chromium(tmp_path, "--dump-dom", out.as_uri()).stdout)
    charts = [attrs for attrs in dom.tags("svg") if attrs.get("class") == "chart"]
    assert len(charts) == 2, "the rendered DOM lacks the two inline SVG charts"
    assert sorted(attrs["data-event-id"] or "" for attrs in dom.tags("tr") if "data-event-id" in attrs) == ["1", "2"]
    assert dom.tags("script") == []

    OUTPUT.mkdir(exist_ok=True)
    screenshot = OUTPUT / "report.png"
    screenshot.unlink(missing_ok=True)
    _chromium(tmp_path, f"--screenshot={screenshot}", "--window-size=1280,2000", out.as_uri())
    print(f"\nscreenshot of the report: {screenshot}")
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 50_000
    with Image.open(screenshot) as image:
        assert image.size == (1280, 2000)
        colours = dict((colour, count) for count, colour in image.convert("RGB").getcolors(maxcolors=1 << 20) or [])
    assert len(colours) > 200, "the screenshot is nearly blank"
    assert max(colours.values()) < 0.9 * 1280 * 2000, "the screenshot is nearly one colour"
    # The timeline's markers and legend, drawn in the modes' exact colours (about 550 pixels per
    # mode at this size): the table's small mode dots alone make about 60.
    for mode in ("video_call", "unspecified"):
        rgb = tuple(int(MODE_COLOURS[mode][i : i + 2], 16) for i in (1, 3, 5))
        assert colours.get(rgb, 0) > 250, f"the timeline's {mode} markers are not on screen ({colours.get(rgb, 0)} px)"
