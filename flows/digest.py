"""The digest flow: compose the period's digest (what was new since the last one) → queue it for
each channel it concerns → deliver due digests, retries of failed ones included.

The flow is its own schedule: run it often (the digest deployment ticks every 5 minutes) and the
first run in each period of ``digest.daily_at`` / ``digest.every_hours`` decides that period's
digest; later runs in the period only retry failed sends. A missed run is caught up by the next.
"""

from __future__ import annotations

from dataclasses import dataclass

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from newswatch.app import Database, open_database
from newswatch.app.alerting import Delivery
from newswatch.app.digests import DigestPlan, prepare_digest
from newswatch.environment import database_url
from newswatch.flows.secrets import run_channels
from newswatch.flows.serve import print_run_line
from newswatch.flows.tasks import flow_settings, send_alerts
from newswatch.notify import Channel
from newswatch.settings import Settings


@dataclass(frozen=True)
class DigestRun:
    """What a digest run did; ``plan`` is None when digests are disabled."""

    plan: DigestPlan | None
    deliveries: list[Delivery]

    @property
    def eventful(self) -> bool:
        """The run decided its period's digest, or sent or failed to send one."""
        return self.plan is not None and (not self.plan.existed or bool(self.deliveries))


def summary(run: DigestRun) -> str:
    """What a digest run did, for its line in `serve`'s output."""
    if run.plan is None:
        return "disabled (digest.enabled is false)"
    sent = sum(1 for d in run.deliveries if d.delivered)
    sending = f"digests {sent} sent, {len(run.deliveries) - sent} failed"
    digest = run.plan.digest
    if digest is None:
        return f"period {run.plan.period}: nothing new; {sending}"
    announced = sum(1 for e in digest.planned if e.new)
    topics = sum(1 for t in digest.topics if t.articles)
    found = (
        f"{len(digest.contacts)} new contacts, {announced} meetings announced, articles in {topics} topics"
        if not run.plan.existed
        else "composed before"
    )
    return f"period {run.plan.period}: {found}; {sending}"


@task(cache_policy=NO_CACHE)
def queue_digest(db: Database, channels: list[Channel], settings: Settings) -> DigestPlan:
    """Decide this period's digest (once) and queue it once per channel; nothing when nothing is new."""
    return prepare_digest(db, channels, settings, decide_once=True)


@flow(name="newswatch-digest", log_prints=False, validate_parameters=True)
def digest(config_dir: str | None = None, force: bool = False) -> DigestRun:
    """Send the current period's digest if it is due and not decided yet, and retry failed sends.
    Does nothing while ``digest.enabled`` is false, unless ``force`` (so that a deployment's
    schedule follows the setting).

    Args:
        config_dir: a folder of configuration overrides (see newswatch.settings).
        force: compose and send even when digests are disabled.
    """
    settings = flow_settings(config_dir)
    if not (settings.core.digest.enabled or force):
        return DigestRun(None, [])
    channels = run_channels(settings)
    db = open_database(database_url(None))
    plan = queue_digest(db, channels, settings)
    deliveries = send_alerts(db, settings, channels, ["digest"])
    run = DigestRun(plan, deliveries)
    if run.eventful:
        print_run_line("digest", summary(run))
    return run
