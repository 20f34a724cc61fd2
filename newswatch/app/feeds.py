"""Feeds as a feed reader manages them: the configured and the polled ones side by side,
forgetting a feed's health, and OPML import into the user's ``feeds.yaml`` and export from it.
(Checking feeds by fetching them once is ``feed_check``.)"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from newswatch.config_layers import REPLACE_KEY
from newswatch.config_schema import FeedConfig, FeedsFile
from newswatch.errors import ConfigError, NewswatchError
from newswatch.feeds_file import EMPTY_FEEDS_FILE, add_feeds
from newswatch.model import FeedStatus
from newswatch.opml import ListedFeed, OpmlError, read_opml, write_opml
from newswatch.storage import feeds
from newswatch.storage.database import Database
from newswatch.urls import canonical_url, masked_url, without_credentials

FEEDS_FILE = "feeds.yaml"


@dataclass(frozen=True)
class FeedOverview:
    """A feed that is configured, or was polled, or both: ``health`` is None if it never was
    polled; ``configured`` is False for a feed polled once (``run --feed``) and not in feeds.yaml."""

    url: str
    name: str
    configured: bool
    enabled: bool
    health: FeedStatus | None


@dataclass(frozen=True)
class OpmlImport:
    """What an import did: the file written, the feeds added, and those left out."""

    path: Path
    created: bool
    added: tuple[ListedFeed, ...]
    duplicates: tuple[str, ...]
    unusable: tuple[str, ...]


def merge_feed_lists(configured: Sequence[FeedConfig], polled: Sequence[FeedStatus]) -> list[FeedOverview]:
    """The configured feeds and the polled ones, each once (by URL), ordered by name then URL."""
    health = {status.url: status for status in polled}
    listed = [FeedOverview(f.url, f.label, True, f.enabled, health.pop(f.url, None)) for f in configured]
    listed += [FeedOverview(s.url, s.name, False, False, s) for s in health.values()]
    return sorted(listed, key=lambda feed: (feed.name.casefold(), feed.url))


def overview_feeds(db: Database | None, configured: Sequence[FeedConfig]) -> list[FeedOverview]:
    """Every configured feed and every polled one (none without a database), with its health if
    it was polled."""
    if db is None:
        return merge_feed_lists(configured, [])
    with db.transaction() as session:
        return merge_feed_lists(configured, feeds.list_feeds(session))


def forget_feed(db: Database, url: str) -> str:
    """Delete a feed's stored health; the name it had.

    Raises:
        NewswatchError: no health is stored for that URL.
    """
    stored = masked_url(url)  # as feed health stores a URL given with credentials
    with db.transaction() as session:
        name = feeds.forget_feed(session, stored)
    if name is None:
        raise NewswatchError(f"no feed {stored} in feed health (`newswatch feeds` lists them)")
    return name


def _same_feed_key(url: str) -> str:
    """What two URLs of one feed have in common: the canonical form (host case, fragments,
    tracking parameters), credentials aside."""
    try:
        return canonical_url(without_credentials(url))
    except Exception:  # a URL canonicalisation cannot take is compared as written
        return url


def _write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` in one step: a failure leaves the old file whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def import_opml(opml_path: Path, config_dir: Path, configured: Sequence[FeedConfig]) -> OpmlImport:
    """Add the feeds of an OPML file to the config folder's ``feeds.yaml``.

    Args:
        opml_path: the subscription list (a feed reader's export).
        config_dir: the user's override folder; its ``feeds.yaml`` (whose feeds add to the
            shipped ones) is created if it has none.
        configured: the feeds in effect, against which duplicates are found.

    Returns:
        What was added (named by the OPML's titles), the duplicates skipped and the outlines
        that are not feed URLs.

    Raises:
        NewswatchError: the file cannot be read or is not OPML; the folder cannot be written.
        ConfigError: the existing feeds.yaml cannot be read, or the result would not validate.
    """
    try:
        listed = read_opml(opml_path.read_bytes(), str(opml_path))
    except OSError as exc:
        raise OpmlError(f"{opml_path}: cannot read ({exc.strerror or exc})") from None
    target = config_dir / FEEDS_FILE
    created = not target.is_file()
    try:
        text = EMPTY_FEEDS_FILE if created else target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{target}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    known = {_same_feed_key(feed.url) for feed in configured}
    added: list[ListedFeed] = []
    duplicates: list[str] = []
    for feed in listed.feeds:
        key = _same_feed_key(feed.url)
        if key in known:
            duplicates.append(feed.url)
        else:
            known.add(key)
            added.append(feed)
    if added:
        entries = [{"name": feed.title, "url": feed.url} if feed.title else {"url": feed.url} for feed in added]
        new_text = add_feeds(text or EMPTY_FEEDS_FILE, entries, str(target))
        _check_feeds_text(new_text, target)
        try:
            _write_atomically(target, new_text)
        except OSError as exc:
            raise NewswatchError(f"{target}: cannot write ({exc.strerror or exc})") from None
    return OpmlImport(target, created and bool(added), tuple(added), tuple(duplicates), listed.unusable)


def _check_feeds_text(text: str, path: Path) -> None:
    """Refuse to write a feeds.yaml that newswatch would then refuse to load."""
    import yaml

    try:
        data = yaml.safe_load(text)
        data.pop(REPLACE_KEY, None)  # how the file layers over the shipped one, not a feed setting
        FeedsFile.model_validate(data)
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"{path}: the import would make it invalid ({exc})") from None


def export_opml(configured: Sequence[FeedConfig], now: dt.datetime) -> tuple[bytes, int]:
    """The enabled configured feeds as an OPML 2.0 document, and how many lost their credentials
    (a feed's user and password stay out of the file; its URL without them is listed)."""
    enabled = [feed for feed in configured if feed.enabled]
    listed = [ListedFeed(without_credentials(feed.fetch_url), feed.name or "") for feed in enabled]
    stripped = sum(feed.fetch_url != without_credentials(feed.fetch_url) for feed in enabled)
    return write_opml(listed, "newswatch feeds", now), stripped
