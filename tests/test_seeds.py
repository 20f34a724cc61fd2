"""The seed reader: the real seeds, tolerated variations and clear errors for bad files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from newswatch.errors import SeedFileError
from newswatch.seeds import parse_seed_text, read_seed_file, read_seed_files
from tests.conftest import SEEDS


def test_reads_both_seed_files_unchanged_from_shared() -> None:
    articles, failures = read_seed_files([SEEDS])
    assert failures == []
    assert [(a.ref, a.published) for a in articles] == [
        ("000_fa17d5cd43c4c00b.txt", dt.date(2024, 4, 17)),
        ("004_ec52301a8b636dd9.txt", dt.date(2023, 12, 22)),
    ]
    assert articles[0].text.startswith("China has said its defence minister")
    assert articles[1].title.startswith("A senior Chinese military officer held a video conference")


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        (b" date 2024-04-17 First paragraph.\n\nSecond paragraph.", "canonical"),
        (b"date 2024-04-17 First paragraph.\n\nSecond paragraph.", "no leading space"),
        (b"\xef\xbb\xbf date 2024-04-17 First paragraph.\n\nSecond paragraph.", "BOM"),
        (b" date 2024-04-17 First paragraph.\r\n\r\nSecond paragraph.\r\n", "CRLF"),
        (b" date 2024-04-17   First paragraph.   \n\t\nSecond paragraph.  \n\n", "trailing whitespace"),
        (b" date 2024-04-17\nFirst paragraph.\n\nSecond paragraph.", "date on its own line"),
        (b" DATE 2024-04-17 First paragraph.\n\nSecond paragraph.", "upper-case header"),
    ],
)
def test_tolerated_variations(tmp_path: Path, raw: bytes, label: str) -> None:
    path = tmp_path / "article.txt"
    path.write_bytes(raw)
    article = read_seed_file(path)
    assert article.published == dt.date(2024, 4, 17), label
    assert article.text == "First paragraph.\n\nSecond paragraph.", label
    assert article.ref == "article.txt"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"China has said its defence minister ...", "no date header"),
        (b" date 2024-02-30 Text.", "impossible date 2024-02-30"),
        (b" date 17/04/2024 Text.", "not in YYYY-MM-DD form"),
        (b" date 2024-04-17 \n\n  \n", "no text"),
        (b" date 2024-04-17 caf\xe9 au lait", "not UTF-8"),
        (b"", "no date header"),
    ],
)
def test_bad_files_get_one_clear_error_naming_the_file(tmp_path: Path, raw: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(raw)
    with pytest.raises(SeedFileError) as info:
        read_seed_file(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_a_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "a_good.txt").write_text(" date 2024-04-17 Good.", encoding="utf-8")
    (tmp_path / "b_bad.txt").write_bytes(b"\xff\xfe not text")
    (tmp_path / "c_good.txt").write_text(" date 2024-04-18 Also good.", encoding="utf-8")
    (tmp_path / "notes.md").write_text("not a seed", encoding="utf-8")
    articles, failures = read_seed_files([tmp_path, tmp_path / "missing.txt"])
    assert [a.ref for a in articles] == ["a_good.txt", "c_good.txt"]
    assert sorted(Path(f.path).name for f in failures) == ["b_bad.txt", "missing.txt"]
    assert all(f.reason for f in failures)


def test_parse_is_pure_and_names_the_ref() -> None:
    with pytest.raises(SeedFileError, match=r"^x\.txt: no date header"):
        parse_seed_text("no header here", "x.txt")
