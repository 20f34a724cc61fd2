"""Canonical URLs and near-duplicate fingerprints."""

from __future__ import annotations

from pathlib import Path

import pytest

from newswatch.dedup import is_near_duplicate, similarity, text_fingerprint
from newswatch.seeds import read_seed_file, read_seed_files
from newswatch.urls import canonical_url
from tests.conftest import SEEDS


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
