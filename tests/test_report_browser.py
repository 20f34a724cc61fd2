"""The HTML report as headless Chromium renders it, from a real SQLite database filled by storing
the project's own test corpus and seeds through the pipeline: a screenshot of the requested size
(kept in tests/output/report.png for a human to look at), no horizontal overflow with its
<details> closed or open, and every <details> closed until opened.

The shipped page has no script. To measure it, the test loads a copy with one inline script
added that writes the layout's numbers into the DOM, which ``--dump-dom`` then prints.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from newswatch.app.storing import store_classifications
from newswatch.classify import Classifier
from newswatch.cli import app
from newswatch.report_charts import MODE_COLOURS
from newswatch.seeds import read_seed_files
from newswatch.storage import feeds
from newswatch.storage.database import open_database
from tests.conftest import REPO, SEEDS

OUTPUT = REPO / "tests" / "output"
CORPUS = REPO / "tests" / "corpus"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_TIMEOUT_SECONDS = 120
WIDTH, HEIGHT = 1280, 2000
# Long and without a place to break a line: only overflow-wrap can fit them in their cells.
LONG_ERROR = "HTTP 502 Bad Gateway: upstream said " + "x" * 300 + " " + "upstream connect error " * 10
LONG_URL = "https://wire.example.org/feed.xml?session=" + "0123456789abcdef" * 16

# Added to the test's copy only: measure the page with its <details> closed, then open them all
# and measure again; the numbers go into a hidden <pre> that --dump-dom prints.
MEASURE = """<script>
(function () {
  function measure() {
    var width = window.innerWidth, outside = [];
    document.querySelectorAll("body *").forEach(function (element) {
      var box = element.getBoundingClientRect();
      if (box.width && box.right > width + 0.5) { outside.push(element.tagName + "." + element.getAttribute("class")); }
    });
    return {
      innerWidth: width,
      scrollWidth: document.documentElement.scrollWidth,
      bodyScrollWidth: document.body.scrollWidth,
      outside: outside,
      details: Array.prototype.map.call(document.querySelectorAll("details"), function (details) {
        var summary = details.querySelector("summary");
        return {
          kind: details.className,
          open: details.open,
          height: details.getBoundingClientRect().height,
          summaryHeight: summary.getBoundingClientRect().height,
          lineHeight: parseFloat(getComputedStyle(summary).lineHeight),
        };
      }),
    };
  }
  var closed = measure();
  document.querySelectorAll("details").forEach(function (details) { details.open = true; });
  var opened = measure();
  var out = document.createElement("pre");
  out.id = "measured";
  out.hidden = true;
  out.textContent = JSON.stringify({closed: closed, opened: opened});
  document.body.appendChild(out);
})();
</script>"""


def _browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(
        f"no headless browser to render the report: none of {', '.join(BROWSERS)} is on PATH (apt-get install chromium)"
    )


def _chromium(tmp_path: Path, *arguments: str) -> str:
    """Run headless Chromium on its own profile, with every host name unresolvable: the page
    must render from the file alone. Returns its standard output."""
    profile = tmp_path / f"chromium-profile-{len(list(tmp_path.glob('chromium-profile-*')))}"
    command = [
        _browser(),
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
    return result.stdout


class _Measured(HTMLParser):
    """The JSON in the dumped DOM's <pre id="measured">, and the <details> elements' attributes."""

    def __init__(self, dom: str) -> None:
        super().__init__()
        self.text = ""
        self.details: list[dict[str, str | None]] = []
        self._inside = False
        self.feed(dom)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._inside = tag == "pre" and ("id", "measured") in attrs
        if tag == "details":
            self.details.append(dict(attrs))

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.text += data

    def numbers(self) -> dict[str, Any]:
        assert self.text, "the measuring script did not run"
        return json.loads(self.text)


@pytest.fixture
def report_page(sqlite_url: str, classifier: Classifier, tmp_path: Path) -> Path:
    """The report of a real SQLite database holding the test corpus and the seeds as the pipeline
    stores them, a healthy feed, and a failing one with a long URL and a long error."""
    articles, failures = read_seed_files([CORPUS, SEEDS])
    assert not failures and len(articles) > 20
    sessions = open_database(sqlite_url)
    store_classifications(sessions, [classifier.classify(a) for a in articles], [])
    with sessions.transaction() as session:
        feeds.record_feed_poll(
            session, "https://news.usni.org/feed", "USNI News", status=200, error=None, entries_seen=20, new_items=2
        )
        feeds.record_feed_poll(session, LONG_URL, "Long Wire", status=502, error=LONG_ERROR)
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", "--out", str(out), "--db", sqlite_url, "--by", "contact-date"])
    assert result.exit_code == 0, result.output
    return out


def _measure(page: Path, tmp_path: Path, width: int) -> tuple[dict[str, Any], _Measured]:
    """Load a copy of the page with the measuring script (allowed by its CSP) at this width."""
    shipped = page.read_text(encoding="utf-8")
    assert "<script" not in shipped.lower()
    copy = tmp_path / f"measured-{width}.html"
    measured = shipped.replace("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';", 1)
    copy.write_text(measured.replace("</body>", f"{MEASURE}\n</body>", 1), encoding="utf-8")
    parsed = _Measured(_chromium(tmp_path, "--dump-dom", f"--window-size={width},{HEIGHT}", copy.as_uri()))
    return parsed.numbers(), parsed


def test_the_screenshot_has_the_requested_size_and_shows_the_charts(report_page: Path, tmp_path: Path) -> None:
    from PIL import Image  # matplotlib's own dependency

    OUTPUT.mkdir(exist_ok=True)
    screenshot = OUTPUT / "report.png"
    screenshot.unlink(missing_ok=True)
    _chromium(tmp_path, f"--screenshot={screenshot}", f"--window-size={WIDTH},{HEIGHT}", report_page.as_uri())
    print(f"\nscreenshot of the report: {screenshot}")
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(screenshot) as image:
        assert image.size == (WIDTH, HEIGHT)
        colours = {colour: count for count, colour in image.convert("RGB").getcolors(maxcolors=1 << 20) or []}
    assert len(colours) > 200, "the screenshot is nearly blank"
    assert max(colours.values()) < 0.9 * WIDTH * HEIGHT, "the screenshot is nearly one colour"
    # The timeline's markers and legend, in the modes' exact colours: the table's small mode dots
    # alone make about 60 pixels.
    for mode in ("video_call", "meeting"):
        rgb = tuple(int(MODE_COLOURS[mode][i : i + 2], 16) for i in (1, 3, 5))
        assert colours.get(rgb, 0) > 250, f"the timeline's {mode} markers are not on screen ({colours.get(rgb, 0)} px)"


def test_nothing_overflows_the_window_and_details_open_only_when_asked(report_page: Path, tmp_path: Path) -> None:
    numbers, _ = _measure(report_page, tmp_path, WIDTH)
    closed, opened = numbers["closed"], numbers["opened"]
    assert closed["innerWidth"] == WIDTH
    for state in (closed, opened):
        assert state["scrollWidth"] == WIDTH and state["bodyScrollWidth"] == WIDTH, state
        assert state["outside"] == [], f"elements past the window's right edge: {state['outside'][:10]}"

    # Every <details> is closed as shipped (in the DOM and as laid out), its summary at most two lines.
    shipped = _Measured(_chromium(tmp_path, "--dump-dom", f"--window-size={WIDTH},{HEIGHT}", report_page.as_uri()))
    assert len(shipped.details) == len(closed["details"]) > 10
    assert all("open" not in attrs for attrs in shipped.details), "a <details> is open by default"
    kinds = sorted({item["kind"] for item in closed["details"]})
    assert kinds == ["error", "evidence", "sources"], kinds
    for item in closed["details"]:
        assert item["open"] is False
        assert item["summaryHeight"] <= 2 * item["lineHeight"] + 1, item
    # Opened, the sources and evidence show what the closed rows hid.
    grew = [o["height"] > c["height"] + 20 for c, o in zip(closed["details"], opened["details"], strict=True)]
    assert all(grew[i] for i, item in enumerate(closed["details"]) if item["kind"] in ("sources", "evidence"))
    # The long error, clamped to two lines when closed, is whole when opened.
    error = next(i for i, item in enumerate(closed["details"]) if item["kind"] == "error")
    assert opened["details"][error]["summaryHeight"] > 3 * closed["details"][error]["lineHeight"]


def test_a_narrow_window_scrolls_the_tables_not_the_page(report_page: Path, tmp_path: Path) -> None:
    numbers, _ = _measure(report_page, tmp_path, 640)
    for state in (numbers["closed"], numbers["opened"]):
        assert state["innerWidth"] == 640
        assert state["scrollWidth"] == 640 and state["bodyScrollWidth"] == 640, state
