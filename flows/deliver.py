"""The deliver-alerts flow: send what is due in the outbox (retries with backoff, new alerts)."""

from __future__ import annotations

from prefect import flow

from newswatch.app import open_database
from newswatch.app.alerting import Delivery
from newswatch.environment import database_url
from newswatch.flows.secrets import run_channels
from newswatch.flows.serve import print_run_line
from newswatch.flows.tasks import flow_settings, send_alerts


def summary(deliveries: list[Delivery]) -> str:
    """What a deliver-alerts run sent, for its line in `serve`'s output."""
    sent = sum(1 for d in deliveries if d.delivered)
    return f"alerts {sent} sent, {len(deliveries) - sent} failed"


@flow(name="newswatch-deliver-alerts", log_prints=False, validate_parameters=True)
def deliver(config_dir: str | None = None) -> list[Delivery]:
    """Deliver the alerts that are due: new ones and failed ones whose backoff has passed."""
    settings = flow_settings(config_dir)
    deliveries = send_alerts(open_database(database_url(None)), settings, run_channels(settings))
    if deliveries:  # a quiet tick (every few minutes) prints nothing
        print_run_line("deliver-alerts", summary(deliveries))
    return deliveries
