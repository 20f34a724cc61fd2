"""OPML subscription lists, as feed readers import and export them (pure: bytes in and out).

Reading is listparser's (by feedparser's maintainer): it is given the document's bytes, never a
string (a string starting with ``http`` it would fetch by itself), and parses them with lxml's
HTML parser, which expands no entity an untrusted document declares. Writing is the standard
library's ElementTree, which escapes every attribute.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

import listparser

from newswatch.errors import NewswatchError
from newswatch.feeds import cut_title, strip_controls

MAX_OPML_BYTES = 5_000_000  # a feed reader's export of thousands of feeds is well under 1 MB
MAX_NAME_CHARS = 256  # what the feeds table keeps of a name
_FEED_URL = re.compile(r"^https?://\S+$")


class OpmlError(NewswatchError):
    """A file is not an OPML subscription list that newswatch can read."""


@dataclass(frozen=True)
class ListedFeed:
    """A feed as a subscription list names it: its URL and its title (empty if it has none)."""

    url: str
    title: str = ""


@dataclass(frozen=True)
class SubscriptionList:
    """The feeds of an OPML file, each once, and the outlines left out (not an http(s) URL)."""

    feeds: tuple[ListedFeed, ...]
    unusable: tuple[str, ...] = ()


def read_opml(document: bytes, source: str) -> SubscriptionList:
    """The feeds an OPML document lists, in its order (nested outlines included).

    Args:
        document: the file's bytes.
        source: how to name the file in an error.

    Raises:
        OpmlError: the document is too large, is not a subscription list, or lists no feed.
    """
    if len(document) > MAX_OPML_BYTES:
        raise OpmlError(f"{source}: larger than {MAX_OPML_BYTES:,} bytes; not a subscription list")
    parsed = listparser.parse(document)
    if not parsed.feeds:
        problem = parsed.bozo_exception
        why = f" ({type(problem).__name__}: {problem})" if parsed.bozo and problem else ""
        kind = "an OPML file with no feed (no outline with an xmlUrl)" if parsed.version else "not an OPML file"
        raise OpmlError(f"{source}: {kind}{why}")
    feeds: dict[str, ListedFeed] = {}
    unusable: list[str] = []
    for entry in parsed.feeds:
        url = strip_controls(str(entry.get("url") or "")).strip()
        if not _FEED_URL.match(url):
            unusable.append(url or "(an outline without a URL)")
            continue
        title = " ".join(strip_controls(str(entry.get("title") or "")).split())
        feeds.setdefault(url, ListedFeed(url, cut_title(title, MAX_NAME_CHARS)))
    return SubscriptionList(tuple(feeds.values()), tuple(unusable))


def write_opml(feeds: Sequence[ListedFeed], title: str, created: dt.datetime) -> bytes:
    """An OPML 2.0 document listing ``feeds`` (one ``<outline type="rss">`` each), UTF-8."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = email.utils.format_datetime(created.astimezone(dt.UTC), usegmt=True)
    body = ET.SubElement(root, "body")
    for feed in feeds:
        name = feed.title or feed.url
        ET.SubElement(body, "outline", type="rss", text=name, title=name, xmlUrl=feed.url)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
