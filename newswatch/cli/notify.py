"""``newswatch notify test``: send a sample alert to every channel and tell how each send went.

It reads no database and imports no Prefect (unless the channels live in a Prefect Secret block,
which only Prefect can read)."""

from __future__ import annotations

import typer

from newswatch.cli.core import app
from newswatch.cli.options import NotifyOption, export_secrets, global_options
from newswatch.cli.output import echo
from newswatch.cli.status import ExitStatus

notify_app = typer.Typer(help="Check the notification channels.", no_args_is_help=True)
app.add_typer(notify_app, name="notify")

OUTCOME_WIDTH = len("unknown")


@notify_app.command("test")
def notify_test(ctx: typer.Context, notify: NotifyOption = None) -> None:
    """Send a sample alert (from samples.yaml beside the templates, its title marked as a test)
    to each configured channel and to each --notify URL, in the channel's style, and print one
    line per channel: sent, failed (why) or unknown (sent, no answer in time). Routes and mutes
    do not apply, and nothing is stored. Exit code 0 when every channel got it, 3 when some did,
    1 when none did.

    Example: newswatch notify test --notify 'json://localhost:8080/hook'
    """
    from newswatch.app.alerting import send_test_alerts
    from newswatch.flows.secrets import run_channels
    from newswatch.settings import load_settings

    options = global_options(ctx)
    settings = load_settings(options.config)
    export_secrets(None, notify)
    channels = run_channels(settings)
    outcomes = send_test_alerts(channels, settings, echo=echo)
    for outcome in outcomes:
        reason = f": {outcome.reason}" if outcome.reason else ""
        line = f"{outcome.status:<{OUTCOME_WIDTH}}  {outcome.channel}{reason}"
        echo(line, err=outcome.status != "sent")
    if all(c.is_console for c in channels):
        echo("No notification channel is configured (notifications.urls, NEWSWATCH_NOTIFY or --notify URL).")
    sent = sum(1 for o in outcomes if o.status == "sent")
    if sent < len(outcomes):
        raise typer.Exit(ExitStatus.PARTIAL if sent else ExitStatus.ERROR)
