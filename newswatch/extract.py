"""Extracting an article from a fetched page with trafilatura (pure: bytes in, article out)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import trafilatura
from trafilatura.settings import Document

from newswatch.feeds import strip_controls

MIN_TEXT_CHARS = 200  # less is navigation or a teaser, not an article
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’)\]]*(?=\s)")


@dataclass(frozen=True)
class ExtractedPage:
    text: str
    title: str
    author: str | None
    published: dt.date | None
    site_name: str | None
    language: str | None


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _normalised(text: str) -> str:
    return " ".join(text.replace("…", " ").split()).lower()


def _is_headline(paragraph: str, title: str) -> bool:
    if not title:
        return False
    first, headline = _normalised(paragraph), _normalised(title)
    # The <h1> may be the title cut short, never longer than it: a first paragraph that merely
    # starts with the title (a title made from the lead sentence) is the article's lead.
    return first == headline or (len(first) > 20 and headline.startswith(first))


def cut_text(text: str, max_chars: int) -> tuple[str, bool]:
    """The text cut to at most ``max_chars`` characters, and whether it was cut.

    The cut falls at the last paragraph break in the last fifth before the cap, else at the last
    sentence end there, else at the last space, else at the cap itself.
    """
    if len(text) <= max_chars:
        return text, False
    window, floor = text[:max_chars], max_chars * 4 // 5
    paragraph = window.rfind("\n")
    if paragraph >= floor:
        return window[:paragraph].rstrip(), True
    sentence_ends = [m.end() for m in _SENTENCE_END.finditer(text, floor, max_chars + 1) if m.end() <= max_chars]
    if sentence_ends:
        return window[: sentence_ends[-1]], True
    space = window.rfind(" ")
    return (window[:space].rstrip() if space >= floor else window), True


def extract_page(html: bytes, url: str, with_metadata: bool = True, title: str = "") -> ExtractedPage | None:
    """The article in a page, or None when trafilatura finds no article text in it.

    Paragraphs come out separated by blank lines, as in seed files. Without ``with_metadata``
    (a third of trafilatura's time: date, categories, tags, license), only the text and the
    page's title come back; ``title`` (the feed's) stands in for a title trafilatura did not find.
    """
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=with_metadata,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
    )
    if not isinstance(document, Document):  # None: nothing extracted (a dict only with as_dict=True)
        return None
    text = (document.text or "").strip()
    if len(text) < MIN_TEXT_CHARS:
        return None
    paragraphs = [line.strip() for line in strip_controls(text).splitlines() if line.strip()]
    title = strip_controls(document.title or title)
    if len(paragraphs) > 1 and _is_headline(paragraphs[0], title):
        paragraphs = paragraphs[1:]  # the page's <h1>, repeated as the text's first line
    return ExtractedPage(
        text="\n\n".join(paragraphs),
        title=title,
        author=document.author or None,
        published=_date(document.date),
        site_name=document.sitename or None,
        language=getattr(document, "language", None) or None,
    )
