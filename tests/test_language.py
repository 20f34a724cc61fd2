"""newswatch.language: py3langid's answers, its model unpacked once into the user's cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import py3langid
import pytest

from newswatch import language

TEXTS = {
    "en": "The defence secretary spoke by video with his counterpart in Beijing on Tuesday.",
    "zh": "国防部长周二与美国国防部长举行视频通话，双方就两军关系交换了意见。",
    "es": "El secretario de Defensa habló por videoconferencia con su homólogo chino el martes.",
    "fr": "Le secrétaire à la Défense s'est entretenu mardi par visioconférence avec son homologue.",
    "ru": "Министр обороны провёл во вторник видеоконференцию со своим китайским коллегой.",
}


@pytest.fixture
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    language._identifier.cache_clear()
    yield tmp_path / "cache" / "newswatch"
    language._identifier.cache_clear()


def test_unpacked_model_answers_as_py3langid_does(empty_cache: Path) -> None:
    for expected, text in TEXTS.items():
        assert language.detect_language(text) == expected
        assert language._identifier().classify(text) == py3langid.classify(text)
    (folder,) = empty_cache.glob("langid-*")
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{name}.npy" for name in language._ARRAYS)


def test_a_later_process_reads_the_unpacked_model(empty_cache: Path) -> None:
    language.detect_language(TEXTS["en"])
    language._identifier.cache_clear()
    (folder,) = empty_cache.glob("langid-*")
    marker = folder / "marker"
    marker.write_text("were the model unpacked again, its folder would be new")
    assert language.detect_language(TEXTS["fr"]) == "fr"
    assert marker.exists()


def test_a_damaged_cache_is_unpacked_again(empty_cache: Path) -> None:
    language.detect_language(TEXTS["en"])
    language._identifier.cache_clear()
    (folder,) = empty_cache.glob("langid-*")
    (folder / "ptc.npy").write_bytes(b"not an array")
    assert language.detect_language(TEXTS["ru"]) == "ru"
    assert language._identifier().classify(TEXTS["zh"]) == py3langid.classify(TEXTS["zh"])
    assert (folder / "ptc.npy").stat().st_size > 1_000_000


def test_an_unwritable_cache_falls_back_to_py3langid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    language._identifier.cache_clear()
    try:
        assert language.detect_language(TEXTS["es"]) == "es"
        assert not any(tmp_path.glob("**/langid-*"))
    finally:
        language._identifier.cache_clear()


def test_too_short_to_tell() -> None:
    assert language.detect_language("Beijing —") is None


def test_a_pages_declared_language_is_taken_when_its_text_is_in_that_languages_script() -> None:
    html = b'<!DOCTYPE html>\n<html lang="ru-RU" dir="ltr"><head>'
    assert language.declared_language(html, TEXTS["ru"]) == "ru"
    assert language.declared_language(b'<html lang="zh-Hant">', TEXTS["zh"]) == "zh"
    assert language.declared_language(b"<html lang='es'>", TEXTS["es"]) == "es"
    # a template's lang around an article in another script, or no lang at all: detected instead
    assert language.declared_language(b'<html lang="en">', TEXTS["ru"]) is None
    assert language.declared_language(b"<html><head>", TEXTS["en"]) is None
