"""Canonical URLs and near-duplicate fingerprints."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from newswatch.dedup import is_near_duplicate, similarity, text_fingerprint
from newswatch.seeds import read_seed_file, read_seed_files
from newswatch.urls import canonical_url, normal_path
from tests.conftest import DEV_CORPUS, REPO, SEEDS

CANONICAL_BEFORE = Path(__file__).parent / "canonical_urls.json"
"""Every URL of the fixtures below and its canonical form before dot segments and escapes were
normalised (issue 18): an article stored then must keep its ref."""
FIXTURE_FOLDERS = [REPO / "tests", REPO / "benchmarks", REPO / "seeds", REPO / "config", REPO / "realpages", DEV_CORPUS]
_URL_IN_TEXT = re.compile(r"https?://[^\s\[\]\"'<>(){}`|\\]+")


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://News.Example.COM:443/a/b?utm_source=rss&utm_medium=feed#top", "https://news.example.com/a/b"),
        ("http://example.com:80/story?id=7&fbclid=abc&b=2", "http://example.com/story?b=2&id=7"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com:8443/x?gclid=1", "https://example.com:8443/x"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://example.com/a/./b/../c", "https://example.com/a/c"),
        ("https://example.com/a/b/..", "https://example.com/a/"),
        ("https://example.com/a/b/.?id=1", "https://example.com/a/b/?id=1"),
        ("https://example.com/../a", "https://example.com/a"),
        ("https://example.com/a//../b", "https://example.com/a/b"),
        ("https://example.com/%7Euser/%41%2d%5F", "https://example.com/~user/A-_"),
        ("https://example.com/a/%2E%2E/b", "https://example.com/b"),  # escaped dots are dots
    ],
)
def test_two_spellings_of_one_path_are_one_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


@pytest.mark.parametrize(
    "path",
    ["/a/%2F/b", "/%e6%96%b0", "/%E6%96%B0", "/新闻/1", "/a%20b", "/v1.2/x..y/.hidden", "/a/b/", "/a%3Ab", ""],
)
def test_a_path_in_normal_form_or_with_a_meaningful_escape_keeps_its_spelling(path: str) -> None:
    assert normal_path(path) == (path or "/")


def fixture_urls() -> set[str]:
    """Every http(s) URL written in the test and benchmark fixtures, the seeds, the config and the
    development corpus, with trailing punctuation dropped (but not this file's: its URLs are the
    spellings meant to change)."""
    urls: set[str] = set()
    for folder in FIXTURE_FOLDERS:
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file() and path not in (CANONICAL_BEFORE, Path(__file__)) and "__pycache__" not in path.parts:
                text = path.read_text(encoding="utf-8", errors="replace")
                urls.update(url.rstrip(".,;:") for url in _URL_IN_TEXT.findall(text))
    return urls


def test_the_canonical_form_of_every_fixture_url_is_what_it_was() -> None:
    before: dict[str, str] = json.loads(CANONICAL_BEFORE.read_text(encoding="utf-8"))
    urls = fixture_urls() & before.keys()
    assert len(urls) >= 300, f"only {len(urls)} of the fixture URLs recorded in {CANONICAL_BEFORE.name}"
    assert {url: canonical_url(url) for url in urls} == {url: before[url] for url in urls}


def test_a_syndicated_copy_with_small_edits_is_a_near_duplicate() -> None:
    original = read_seed_file(SEEDS / "000_fa17d5cd43c4c00b.txt").text
    edited = (
        original.replace("China has said", "Beijing said").replace("on Tuesday", "on Tuesday morning")
        + "\n\n(Reporting by a wire service; editing by the desk)"
    )
    assert is_near_duplicate(text_fingerprint(original), text_fingerprint(edited))


def test_different_reports_of_the_same_event_are_not_near_duplicates() -> None:
    corpus = Path(__file__).parent / "corpus"
    articles, _ = read_seed_files([SEEDS, corpus])
    fingerprints = [text_fingerprint(a.text) for a in articles]
    closest = max(similarity(a, b) for i, a in enumerate(fingerprints) for b in fingerprints[i + 1 :])
    assert closest < 0.9


def test_fingerprints_are_trafilaturas_simhash() -> None:
    from trafilatura.deduplication import Simhash

    from newswatch.dedup import text_fingerprint

    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    texts += ["", "a b c", "短文本。", "中美两军保持沟通，台湾问题是核心利益。" * 20]
    assert [text_fingerprint(t) for t in texts] == [f"{Simhash(t).hash:016x}" for t in texts]


def test_a_url_with_a_port_out_of_range_keeps_its_form() -> None:
    # a feed item's link: canonical_url must not raise (issue 16, row 1); fetching it fails alone
    assert canonical_url("HTTP://Example.com:99999/x?utm_source=a&b=1#top") == "http://example.com:99999/x?b=1"
