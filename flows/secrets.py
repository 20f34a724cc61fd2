"""Notification URLs kept in a Prefect Secret block (``notifications.prefect_secret``), so that
they live in Prefect's store (encrypted at rest on Prefect Cloud) rather than in files or
environments; and the channels a run sends to, those included."""

from __future__ import annotations

import re

from newswatch.app.channels import configured_channels
from newswatch.errors import ConfigError
from newswatch.notify import Channel
from newswatch.settings import Settings


def run_channels(settings: Settings, extra_urls: list[str] | None = None) -> list[Channel]:
    """The channels a run sends to: configuration, environment, ``extra_urls`` and the Secret
    block's URLs; the console if none."""
    return configured_channels(settings, extra_urls or [], secret_urls(settings.core.notifications.prefect_secret))


def secret_urls(block_name: str | None) -> list[str]:
    """The notification URLs in the Secret block ``block_name`` (none without one). Prefect is
    imported only when a block is configured.

    Raises:
        ConfigError: the block does not exist or cannot be read.
    """
    if not block_name:
        return []
    from prefect.blocks.system import Secret

    try:
        secret = Secret.load(block_name)
        # (Prefect's load is async in an event loop, sync outside one, as here: it returns the block.)
        assert isinstance(secret, Secret)
        value = secret.get()
    except (ValueError, RuntimeError) as exc:
        raise ConfigError(f"notifications.prefect_secret: cannot load Secret block {block_name!r} ({exc})") from None
    text = value if isinstance(value, str) else " ".join(map(str, value)) if isinstance(value, list) else ""
    return [u for u in re.split(r"[\s,]+", text) if u]
