"""The commands that send from the outbox without a flow: ``alerts retry`` (resend failed and
dead-letter alerts) and ``digest`` (compose, queue and send the period's digest)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from newswatch.cli.browse import alerts_app
from newswatch.cli.core import app
from newswatch.cli.options import NotifyOption, export_secrets, global_options
from newswatch.cli.output import echo, undelivered, when
from newswatch.cli.status import ExitStatus
from newswatch.errors import NewswatchError

if TYPE_CHECKING:
    from newswatch.digest import Digest


@alerts_app.command("retry")
def alerts_retry(
    ctx: typer.Context,
    alert_id: Annotated[
        int | None, typer.Argument(metavar="ID", help="The alert to resend.", show_default=False)
    ] = None,
    retry_all: Annotated[bool, typer.Option("--all", help="Resend every failed and dead-letter alert.")] = False,
    notify: NotifyOption = None,
) -> None:
    """Put failed or dead-letter alerts back in the queue and deliver them now.

    Example: newswatch alerts retry --all
    """
    if (alert_id is None) == (not retry_all):
        raise typer.BadParameter("give an alert ID or --all")
    from newswatch.app.alerting import deliver_alerts, requeue_alerts
    from newswatch.flows.secrets import run_channels
    from newswatch.settings import load_settings

    options = global_options(ctx)
    settings = load_settings(options.config)
    export_secrets(options.db, notify)
    db = options.open_database()  # (first: a missing database is told before apprise loads)
    channels = run_channels(settings)
    requeued = requeue_alerts(db, alert_id)
    if alert_id is not None and not requeued:
        raise NewswatchError(
            f"no alert {alert_id} to retry (only failed, dead or unknown ones are): see `newswatch alerts`"
        )
    echo(f"Requeued {requeued} alert(s).")
    deliveries = deliver_alerts(db, channels, settings)
    for delivery in deliveries:
        outcome = "sent" if delivery.delivered else f"{delivery.status}: {delivery.error}"
        echo(f"  alert {delivery.alert_id} → {delivery.channel}: {outcome}")
    if any(not d.delivered for d in deliveries):
        raise typer.Exit(ExitStatus.PARTIAL)


@app.command("digest")
def digest_command(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the digest and where it would go; store and send nothing.")
    ] = False,
    notify: NotifyOption = None,
) -> None:
    """Send the digest: new contacts, planned meetings and articles per topic since the last digest,
    and failing feeds. Skipped when nothing is new; sent once per period (digest.every_hours, or
    daily at digest.daily_at) to each channel; a failed send is retried by the next run.

    Works whether or not digest.enabled is set; that setting schedules it in `newswatch serve`.

    Example: newswatch digest --dry-run
    """
    from newswatch.app.alerting import deliver_alerts
    from newswatch.app.digests import prepare_digest
    from newswatch.flows.secrets import run_channels
    from newswatch.messages import render_digest
    from newswatch.settings import load_settings
    from newswatch.templates import template_folders, templates_in

    options = global_options(ctx)
    settings = load_settings(options.config)
    export_secrets(options.db, notify)
    db = options.open_database(create=not dry_run)  # a dry run stores nothing, a database included
    channels = run_channels(settings)
    plan = prepare_digest(db, channels, settings, dry_run=dry_run)
    since = when(plan.since)
    if dry_run:
        if plan.digest is None:
            echo(f"Nothing new since {since}: no digest would be sent.")
            return
        if plan.existed:
            echo(
                f"(The digest of period {plan.period} was decided already: sent, or nothing was new then; "
                "the next period's would say this.)"
            )
        title, body = render_digest(
            plan.digest,
            settings.core.countries,
            settings.core.tracked_pair,
            settings.core.digest.timezone,
            templates=templates_in(template_folders(settings.config_dir)),
        )
        echo(f"{title}\n{body}")
        echo(f"Would go to: {', '.join(plan.recipients)} (dry run: nothing stored or sent)")
        return
    if plan.digest is None:
        echo(f"Digest {plan.period}: nothing new since {since}; not sent.")
    elif plan.existed and not plan.queued:
        echo(f"Digest {plan.period}: composed before; it is sent once per channel (failed sends are retried).")
    else:
        echo(f"Digest {plan.period}: {_digest_counts(plan.digest)}; for {', '.join(plan.queued)}")
    deliveries = deliver_alerts(db, channels, settings, echo=echo, kinds=["digest"])
    for delivery in deliveries:
        if delivery.delivered:
            echo(f"  sent   → {delivery.channel}: {delivery.title}")
        else:
            echo(f"  {delivery.status} → {undelivered(delivery)}", err=True)
    failed = sum(1 for d in deliveries if not d.delivered)
    echo(f"Digests: {len(deliveries) - failed} sent, {failed} failed")
    if failed:
        raise typer.Exit(ExitStatus.PARTIAL)


def _digest_counts(digest: Digest) -> str:
    planned_new = sum(1 for e in digest.planned if e.new)
    volumes = ", ".join(f"{t.topic} {t.articles}" for t in digest.topics) or "none"
    failing = len(digest.failing_feeds)
    return (
        f"{len(digest.contacts)} new contacts, {len(digest.planned)} planned meetings ({planned_new} new), "
        f"articles per topic: {volumes}; {failing} failing feed{'' if failing == 1 else 's'}"
    )
