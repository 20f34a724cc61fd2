"""The forms a person's name or a title takes in text (pure): a middle initial, ", Jr.", Russian declension."""

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


_RUSSIAN_SURNAME_ENDINGS = ("ов", "ев", "ёв", "ин", "ын")
_INSTRUMENTAL = 2


def _russian_cases(word: str) -> tuple[str, ...]:
    """A name's word as Russian declines it: genitive, dative, instrumental, prepositional
    (Остин → Остина, Остину, Остином, Остине; Цзюнь → Цзюня, Цзюню, Цзюнем); a word ending
    like a Russian surname has its own instrumental too (Белоусов → … Белоусовым), since the
    spelling does not tell "Путиным" from "Остином"."""
    stem, last = word[:-1], word[-1:]
    if last in "ьй":
        return (stem + "я", stem + "ю", stem + "ем", stem + ("и" if word.endswith("ий") else "е"))  # Валерии
    if last == "а":
        return (stem + ("и" if stem[-1:] in "гкхжшчщ" else "ы"), stem + "е", stem + "ой", stem + "е")
    if last == "я":
        return (stem + "и", stem + "е", stem + "ей", stem + "е")
    if last in _VOWELS or not last.isalpha():
        return ()  # Ли, Хэ, Шойгу: not declined
    cases = (word + "а", word + "у", word + "ом", word + "е")
    return (*cases, word + "ым") if word.endswith(_RUSSIAN_SURNAME_ENDINGS) else cases


def name_variants(alias: str) -> list[str]:
    """The forms a full name takes in text: itself, and in Cyrillic its case forms, with every
    word declined ("Ллойдом Остином", "Андреем Белоусовым") or the last only (Chinese names:
    "Дун Цзюнем"); an undeclined surname keeps its form after a declined first name ("Сергеем
    Шойгу")."""
    if not _CYRILLIC.search(alias):
        return [alias]
    words = alias.split()
    forms = [_russian_cases(w) for w in words]
    variants = [alias]
    for case in range(max(len(f) for f in forms)):
        declined = [_declined(f, word, case) for f, word in zip(forms, words, strict=True)]
        if forms[-1]:
            variants.append(" ".join([*words[:-1], declined[-1]]))
        variants.append(" ".join(declined))
    return list(dict.fromkeys(variants))


def _declined(forms: tuple[str, ...], word: str, case: int) -> str:
    """``word`` in ``case`` (a case it lacks, the extra instrumental, is its instrumental)."""
    if not forms:
        return word
    return forms[case] if case < len(forms) else forms[_INSTRUMENTAL]


def title_variants(alias: str) -> list[str]:
    """The forms a title takes in text: itself, and in Cyrillic its head word's case forms, the
    words after it unchanged ("министр обороны" → "министра обороны", "министром обороны";
    "глава Пентагона" → "главы Пентагона", "главой Пентагона")."""
    words = alias.split()
    if not words or not _CYRILLIC.search(words[0]):
        return [alias]
    head, rest = words[0], words[1:]
    return list(dict.fromkeys([alias, *(" ".join([form, *rest]) for form in _russian_cases(head))]))
