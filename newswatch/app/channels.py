"""The notification channels a command or flow sends to: from the configuration, the
environment, the command line and a Prefect Secret block (read in ``newswatch.flows.secrets``,
since Prefect stays in the flows); the console when there are none."""

from __future__ import annotations

from collections.abc import Sequence

from newswatch.environment import notification_urls
from newswatch.notify import CONSOLE, Channel, build_channels
from newswatch.settings import Settings, apprise_config_path


def configured_channels(
    settings: Settings, extra_urls: Sequence[str] = (), secret_urls: Sequence[str] = ()
) -> list[Channel]:
    """The notification channels from config, environment, ``extra_urls`` (the command line) and
    ``secret_urls`` (a Prefect Secret block's); the console if none."""
    urls = notification_urls(settings, list(extra_urls))
    urls += [u for u in secret_urls if u not in urls]
    return build_channels(urls, apprise_config_path(settings)) or [CONSOLE]
