"""Language identification with py3langid (trafilatura's own choice), reported as ISO 639-1.

py3langid ships its model LZMA-compressed (17 MB, 68 MB unpacked) and unpacks it in every process
that classifies a text: about half a second, which every ``replay``, ``classify`` and ``run``
paid. The unpacked arrays are kept in the user's cache folder instead (``$XDG_CACHE_HOME`` or
``~/.cache``, ``newswatch/langid-…``, one folder per model file), written on first use and mapped
from there after: the same model, the same answers, loaded in a few milliseconds. A damaged
copy is unpacked again; where the folder cannot be written, py3langid loads its model as it
always does.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Protocol

logger = logging.getLogger(__name__)

# py3langid names some Chinese varieties separately; news text in them is written Chinese.
_ALIASES = {"wuu": "zh", "yue": "zh", "lzh": "zh", "zh-hant": "zh"}
MIN_CHARACTERS = 20
# The opening is enough to tell a news article's language; langid's cost grows with the text.
SAMPLE_CHARACTERS = 600
# The model's arrays, as py3langid's own model file names them.
_ARRAYS = ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")


class _Identifier(Protocol):
    def classify(self, text: str) -> tuple[str, float]: ...


def detect_language(text: str) -> str | None:
    """The text's language, or None for text too short to tell."""
    sample = text[:SAMPLE_CHARACTERS]
    if len(sample.strip()) < MIN_CHARACTERS:
        return None
    language, _ = _identifier().classify(sample)
    return _ALIASES.get(language, language)


# The scripts of the languages a page may declare that are not written in the Latin alphabet.
_SCRIPTS = {
    **dict.fromkeys(("ru", "uk", "bg", "sr", "be", "kk", "mk"), "cyrillic"),
    **dict.fromkeys(("zh", "ja", "ko"), "cjk"),
    **dict.fromkeys(("ar", "fa", "ur"), "arabic"),
}
_DECLARED = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})(?![A-Za-z])", re.IGNORECASE)


def declared_language(html: bytes, text: str) -> str | None:
    """The language a page declares (``<html lang="ru-RU">``: ``ru``), when its text is written in
    that language's script (a template's ``lang="en"`` around a Russian article is no answer)."""
    match = _DECLARED.search(html, 0, 4096)
    if match is None:
        return None
    language = match.group(1).decode("ascii").lower()
    language = _ALIASES.get(language, language)
    return language if _script_of(text[:SAMPLE_CHARACTERS]) == _SCRIPTS.get(language, "latin") else None


def _script_of(sample: str) -> str | None:
    """The script most of a text's letters are in: latin, cyrillic, cjk, arabic (None: no letters)."""
    counts = {"latin": 0, "cyrillic": 0, "cjk": 0, "arabic": 0}
    for character in sample:
        if not character.isalpha():
            continue
        code = ord(character)
        if code < 0x250:
            counts["latin"] += 1
        elif 0x400 <= code < 0x530:
            counts["cyrillic"] += 1
        elif 0x600 <= code < 0x700:
            counts["arabic"] += 1
        elif 0x3040 <= code < 0xA000 or 0xAC00 <= code < 0xD7B0:
            counts["cjk"] += 1
    script, count = max(counts.items(), key=lambda item: item[1])
    return script if count else None


def cache_root(environ: dict[str, str] | os._Environ[str] | None = None) -> Path:
    """The user's cache folder for newswatch: ``$XDG_CACHE_HOME/newswatch`` or ``~/.cache/newswatch``."""
    environ = os.environ if environ is None else environ
    return Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newswatch"


@functools.cache
def _identifier() -> _Identifier:
    """py3langid's identifier, its model from the unpacked cache (made now if missing)."""
    import py3langid.langid as langid

    model_file = langid.MODEL_DIR / langid.MODEL_FILE
    try:
        stat = model_file.stat()
        folder = cache_root() / f"langid-{stat.st_size}-{int(stat.st_mtime)}"
        if not (folder / "out_feat.npy").exists():
            _unpack(model_file, folder)
        try:
            return _from_unpacked(folder, langid.LanguageIdentifier)
        except (OSError, ValueError) as error:  # a damaged cache: unpack it again, once
            logger.debug("language model cache %s unreadable (%s): unpacking it again", folder, error)
            shutil.rmtree(folder, ignore_errors=True)
            _unpack(model_file, folder)
            return _from_unpacked(folder, langid.LanguageIdentifier)
    except (OSError, ValueError, KeyError, TypeError) as error:
        logger.debug("language model cache not used (%s): py3langid unpacks its model", error)
        identifier: _Identifier = langid._get_identifier()
        return identifier


def _unpack(model_file: Path, folder: Path) -> None:
    """Write the model's arrays as .npy files in ``folder``, all at once (a folder made aside, then renamed)."""
    import lzma

    import numpy as np

    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    try:
        with lzma.open(model_file) as packed, tempfile.TemporaryFile(dir=folder.parent) as npz:
            while chunk := packed.read(1 << 20):
                npz.write(chunk)
            npz.seek(0)
            with np.load(npz, allow_pickle=False) as data:
                for name in _ARRAYS:
                    np.save(partial / f"{name}.npy", data[name], allow_pickle=False)
        try:
            partial.rename(folder)
        except OSError:  # another process unpacked it first
            if not (folder / "out_feat.npy").exists():
                raise
    finally:
        if partial.exists():
            for file in partial.iterdir():
                file.unlink()
            partial.rmdir()


def _from_unpacked(folder: Path, identifier_class: Any) -> _Identifier:
    """py3langid's LanguageIdentifier over the arrays in ``folder`` (the large ones mapped, not read)."""
    from array import array

    import numpy as np

    arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in _ARRAYS}

    def stdlib_array(values: Any) -> array[int]:  # the form py3langid's state machine indexes fastest
        typed = array({2: "H", 4: "I", 8: "L"}[values.dtype.itemsize])
        typed.frombytes(np.ascontiguousarray(values).tobytes())
        return typed

    identifier: _Identifier = identifier_class(
        arrays["ptc"],
        np.asarray(arrays["pc"]),
        arrays["classes"].tolist(),
        stdlib_array(arrays["nextmove"]),
        arrays["out_feat"].tolist(),
        tk_row=stdlib_array(arrays["nextmove_row"]),
    )
    return identifier
