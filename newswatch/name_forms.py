"""The forms a person's name takes in text (pure): a middle initial, ", Jr.", Russian declension."""

from __future__ import annotations

import re

from newswatch.matching import UNBOUNDED


def name_pattern(alias: str) -> str:
    """A regex for a personal name that tolerates a middle initial and ", Jr."."""
    if UNBOUNDED.search(alias):
        return re.escape(alias)
    tokens = alias.replace(",", " ").split()
    if tokens and tokens[-1].rstrip(".").lower() in ("jr", "sr"):
        suffix = r"(?:,?\s+" + re.escape(tokens[-1].rstrip(".")) + r"\.?)?"
        tokens = tokens[:-1]
    else:
        suffix = r"(?:,?\s+Jr\.?(?![\w]))?"
    if len(tokens) >= 2 and not tokens[1].endswith("."):
        head = re.escape(tokens[0]) + r"(?:\s+[A-Z]\.)*\s+" + r"\s+".join(re.escape(t) for t in tokens[1:])
    else:
        head = r"\s+".join(re.escape(t) for t in tokens)
    return head + suffix


_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_VOWELS = "аеёиоуыэюя"


def _russian_cases(word: str) -> tuple[str, ...]:
    """A foreign name's word as Russian declines it: genitive, dative, instrumental,
    prepositional (Остин → Остина, Остину, Остином, Остине; Цзюнь → Цзюня, Цзюню, Цзюнем)."""
    stem, last = word[:-1], word[-1:]
    if last in "ьй":
        return (stem + "я", stem + "ю", stem + "ем", stem + "е")
    if last == "а":
        return (stem + ("и" if stem[-1:] in "гкхжшчщ" else "ы"), stem + "е", stem + "ой", stem + "е")
    if last == "я":
        return (stem + "и", stem + "е", stem + "ей", stem + "е")
    if last in _VOWELS or not last.isalpha():
        return ()  # Ли, Хэ: not declined
    return (word + "а", word + "у", word + "ом", word + "е")


def name_variants(alias: str) -> list[str]:
    """The forms a full name takes in text: itself, and in Cyrillic its case forms, with every
    word declined ("Ллойдом Остином") or the last only (Chinese names: "Дун Цзюнем")."""
    if not _CYRILLIC.search(alias):
        return [alias]
    words = alias.split()
    variants = [alias]
    for case in range(4):
        forms = [_russian_cases(w) for w in words]
        if forms[-1]:
            variants.append(" ".join([*words[:-1], forms[-1][case]]))
            variants.append(" ".join(f[case] if f else w for f, w in zip(forms, words, strict=True)))
    return list(dict.fromkeys(variants))
