"""Language identification with py3langid (trafilatura's own choice), reported as ISO 639-1."""

from __future__ import annotations

# py3langid names some Chinese varieties separately; news text in them is written Chinese.
_ALIASES = {"wuu": "zh", "yue": "zh", "lzh": "zh", "zh-hant": "zh"}
MIN_CHARACTERS = 20
# The opening is enough to tell a news article's language; langid's cost grows with the text.
SAMPLE_CHARACTERS = 600


def detect_language(text: str) -> str | None:
    """The text's language, or None for text too short to tell."""
    sample = text[:SAMPLE_CHARACTERS]
    if len(sample.strip()) < MIN_CHARACTERS:
        return None
    import py3langid  # loads its model on first use (~0.5 s), so only when needed

    language, _ = py3langid.classify(sample)
    return _ALIASES.get(language, language)
