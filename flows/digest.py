"""The digest flow: compose the period's digest (what was new since the last one) → queue it for
each channel it concerns → deliver due digests, retries of failed ones included."""

from __future__ import annotations

from dataclasses import dataclass

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from newswatch.app import Database, open_database
from newswatch.app.alerting import Delivery
from newswatch.app.digests import DigestPlan, prepare_digest
from newswatch.environment import database_url
from newswatch.flows.secrets import run_channels
from newswatch.flows.tasks import flow_settings, send_alerts
from newswatch.notify import Channel
from newswatch.settings import Settings


@dataclass(frozen=True)
class DigestRun:
    """What a digest run did; ``plan`` is None when digests are disabled."""

    plan: DigestPlan | None
    deliveries: list[Delivery]


@task(cache_policy=NO_CACHE)
def queue_digest(db: Database, channels: list[Channel], settings: Settings) -> DigestPlan:
    """Compose this period's digest and queue it once per channel; nothing when nothing is new."""
    return prepare_digest(db, channels, settings)


@flow(name="newswatch-digest", log_prints=False, validate_parameters=True)
def digest(config_dir: str | None = None, force: bool = False) -> DigestRun:
    """Send the digest of the current period. Does nothing while ``digest.enabled`` is false,
    unless ``force`` (so that a deployment's schedule follows the setting).

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
    return DigestRun(plan, deliveries)
