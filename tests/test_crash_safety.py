"""Crash safety: `newswatch replay` killed with SIGKILL at random moments, then run again.

After each kill and rerun: every article stored once, every event once, every alert delivered
exactly once to the notifier, except the one window no outbox can close (killed after the
notifier accepted a message and before the outcome was committed), counted and bounded here.
The loop is bounded in iterations and in time.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import SEEDS, config_folder, stored_totals
from tests.notifier_servers import JsonReceiver

OWN_CORPUS = Path(__file__).parent / "corpus"
ITERATIONS = 6
TIME_BUDGET_SECONDS = 240
LEASE_SECONDS = 2


def _config(tmp_path: Path) -> Path:
    """Retries at once and a short claim lease, so the rerun may take over at once."""
    return config_folder(tmp_path / "config", alerts={"retry_base_seconds": 0, "claim_lease_seconds": LEASE_SECONDS})


def _replay(env: dict[str, str], config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "newswatch", "replay", str(SEEDS), str(OWN_CORPUS), "--config", str(config)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize(("backend", "kills"), [("sqlite", ITERATIONS), ("postgresql", 3)])
def test_sigkill_at_random_points_loses_nothing_and_repeats_at_most_the_message_in_flight(
    backend: str,
    kills: int,
    prefect_server: str,
    tmp_path: Path,
    json_receiver: JsonReceiver,
    request: pytest.FixtureRequest,
) -> None:
    json_receiver.delay_seconds = 0.25  # a slow notifier: kills land while sending too
    config = _config(tmp_path)
    rng = random.Random(20261121)
    # Calibrate: when does a run start sending, and when is it done? Kills land across both phases.
    env = {
        **os.environ,
        "NEWSWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'calibration.db'}",
        "NEWSWATCH_NOTIFY": json_receiver.url,
        "PREFECT_API_URL": prefect_server,
    }
    begin = time.monotonic()
    calibration = _replay(env, config)
    json_receiver.wait_for(1, timeout=120)
    first_send = time.monotonic() - begin
    calibration.communicate(timeout=180)
    finished = time.monotonic() - begin
    started = time.monotonic()
    repeated_total = 0
    iterations = 0
    landed: list[int] = []
    for iteration in range(kills):
        if time.monotonic() - started > TIME_BUDGET_SECONDS:
            break
        iterations += 1
        json_receiver.clear()
        url = (
            f"sqlite:///{tmp_path / f'crash-{iteration}.db'}"
            if backend == "sqlite"
            else request.getfixturevalue("postgres_schema_factory")()
        )
        env = {
            **os.environ,
            "NEWSWATCH_DATABASE_URL": url,
            "NEWSWATCH_NOTIFY": json_receiver.url,
            "PREFECT_API_URL": prefect_server,
        }
        victim = _replay(env, config)
        time.sleep(rng.uniform(0.5, 1.0) * first_send if iteration % 3 == 0 else rng.uniform(first_send, finished))
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        landed.append(len(json_receiver.messages))  # alerts already out when the kill landed
        time.sleep(LEASE_SECONDS + 0.5)  # an alert claimed by the dead process is free again
        rerun = _replay(env, config)
        _, stderr = rerun.communicate(timeout=180)
        assert rerun.returncode == 0, stderr

        articles, events, statuses = stored_totals(url)
        assert articles == len(list(SEEDS.glob("*.txt"))) + len(list(OWN_CORPUS.glob("*.txt")))
        assert events == 12 and statuses == Counter({"sent": 12}), statuses
        received = Counter(m["title"] for m in json_receiver.wait_for(12, timeout=30))
        assert len(received) == 12, f"iteration {iteration}: alerts lost"
        repeated = sum(count - 1 for count in received.values())
        assert repeated <= 1, f"iteration {iteration}: {repeated} alerts sent twice"
        repeated_total += repeated
    assert iterations >= min(3, kills)
    print(
        f"\n{iterations} kills, alerts already sent when each landed: {landed}; sent twice in total: {repeated_total}"
    )
