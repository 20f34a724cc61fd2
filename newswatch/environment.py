"""The environment variables newswatch reads, and the values they set or override.

This module reads the ``NEWSWATCH_*`` variables that are not keys of newswatch.yaml (those,
``NEWSWATCH_<SECTION>__<KEY>``, are layered over the files by ``newswatch.settings``); the command
line sets some of them for the flows it starts; ``prefect_server`` reads Prefect's own
``PREFECT_API_URL``. Each reader
takes ``environ`` (``os.environ`` by default) so that tests can pass their own.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from newswatch.urls import masked_url

if TYPE_CHECKING:  # (imported where used: the command line reads the database's default for its help)
    from newswatch.settings import Settings

ENV_CONFIG_DIR = "NEWSWATCH_CONFIG_DIR"
ENV_NOTIFY = "NEWSWATCH_NOTIFY"
ENV_DATABASE_URL = "NEWSWATCH_DATABASE_URL"
ENV_HOME = "NEWSWATCH_HOME"
ENV_FEED_CREDENTIALS = "NEWSWATCH_FEED_CREDENTIALS"  # `run --feed` URLs with credentials, for the flow


def resolve_config_dir(explicit: Path | None = None, environ: Mapping[str, str] | None = None) -> Path | None:
    """The user's override folder: ``--config`` if given, else ``$NEWSWATCH_CONFIG_DIR``."""
    environ = os.environ if environ is None else environ
    if explicit is not None:
        return explicit
    value = environ.get(ENV_CONFIG_DIR)
    return Path(value) if value else None


def feed_credentials(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``$NEWSWATCH_FEED_CREDENTIALS``: feed URLs with credentials that ``run --feed`` passes to the
    monitor flow by its environment, as the flow's parameters hold only their masked form.
    Keyed by that masked form. (A worker in another process needs the feed in feeds.yaml, or
    this variable set.)"""
    environ = os.environ if environ is None else environ
    urls = [u for u in environ.get(ENV_FEED_CREDENTIALS, "").split() if u]
    return {masked_url(u): u for u in urls if masked_url(u) != u}


def notification_urls(settings: Settings, cli_urls: list[str], environ: Mapping[str, str] | None = None) -> list[str]:
    """Notification URLs from the config file, ``$NEWSWATCH_NOTIFY`` and ``--notify``, deduplicated.

    ``$NEWSWATCH_NOTIFY`` holds URLs separated by whitespace or commas.
    """
    environ = os.environ if environ is None else environ
    from_env = [u for u in re.split(r"[\s,]+", environ.get(ENV_NOTIFY, "")) if u]
    urls: list[str] = []
    for url in [*settings.core.notifications.urls, *from_env, *cli_urls]:
        if url not in urls:
            urls.append(url)
    return urls


def default_home(environ: Mapping[str, str] | None = None) -> Path:
    """Where newswatch keeps its default SQLite database: ``$NEWSWATCH_HOME`` or ``~/.newswatch``."""
    environ = os.environ if environ is None else environ
    return Path(environ.get(ENV_HOME) or Path.home() / ".newswatch")


def database_url(cli_url: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The database URL: ``--db``, else ``$NEWSWATCH_DATABASE_URL``, else the default SQLite file."""
    environ = os.environ if environ is None else environ
    if cli_url:
        return cli_url
    if environ.get(ENV_DATABASE_URL):
        return environ[ENV_DATABASE_URL]
    return f"sqlite:///{default_home(environ) / 'newswatch.db'}"
