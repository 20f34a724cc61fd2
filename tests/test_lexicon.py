"""The detector's lexicon: one validated file per language."""

from __future__ import annotations

from pathlib import Path

import pytest

from newswatch.errors import ConfigError
from newswatch.lexicon import load_language, load_lexicon


def test_the_shipped_lexicon_loads_every_language() -> None:
    lexicon = load_lexicon()
    assert {"en", "es", "zh", "pt", "fr"} <= set(lexicon.codes)
    assert lexicon.fragments("video_call")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("meeting: ['\\\\bmet\\\\b']\n", "language: missing"),
        ("language: xx\nmeetings: ['\\\\bmet\\\\b']\n", "meetings: unknown category"),
        ("language: xx\nmeeting: ['(unclosed']\n", "meeting: '(unclosed' is not a valid regular expression"),
        ("language: xx\nplans: ['a*']\n", "plans: 'a*' can match an empty string"),
        ("language: xx\nmeeting: [12]\n", "meeting: 12 is not a string"),
    ],
)
def test_a_broken_lexicon_file_is_one_error_naming_file_and_category(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "xx.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"xx\.yaml") as error:
        load_language(path)
    assert message in str(error.value)
