"""`newswatch server start|stop|status`: a local Prefect server that outlives the command, which
replay (and run, serve) use instead of starting a temporary one, and which stops when told."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from newswatch.prefect_server import SERVER_RECORD_NAME, RunningServer, running_server
from tests.conftest import SEEDS, isolated_environment

USING = "Using the local Prefect server at"


def _newswatch(env: dict[str, str], *arguments: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newswatch", *arguments], env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A newswatch home and Prefect home of its own, no Prefect API; any server left is stopped."""
    environment = isolated_environment(tmp_path)
    yield environment
    _newswatch(environment, "server", "stop", timeout=60)


def test_a_started_server_serves_replays_until_stopped(env: dict[str, str]) -> None:
    assert "No local Prefect server is running" in _newswatch(env, "server", "status").stdout

    started = _newswatch(env, "server", "start", "--port", "0", "--no-dashboard")
    assert started.returncode == 0, started.stderr
    assert "Prefect server running at http://127.0.0.1:" in started.stdout
    record = json.loads((Path(env["NEWSWATCH_HOME"]) / SERVER_RECORD_NAME).read_text())
    server = psutil.Process(record["pid"])
    assert server.is_running() and "newswatch.prefect_server" in " ".join(server.cmdline())
    assert "--parent" not in server.cmdline()  # it outlives the command that started it

    assert f"Running at http://127.0.0.1:{record['port']}" in _newswatch(env, "server", "status").stdout
    again = _newswatch(env, "server", "start", "--port", "0")
    assert again.returncode == 0 and "already running" in again.stdout

    replayed = _newswatch(env, "replay", str(SEEDS))
    assert replayed.returncode == 0, replayed.stderr
    assert f"{USING} http://127.0.0.1:{record['port']} (started by `newswatch server start`)" in replayed.stdout
    assert "Contacts in these articles: 2 (2 new)" in replayed.stdout
    assert "Waiting for" not in replayed.stdout

    stopped = _newswatch(env, "server", "stop")
    assert stopped.returncode == 0 and f"Stopped the local Prefect server at http://127.0.0.1:{record['port']}" in (
        stopped.stdout
    )
    assert not server.is_running() or server.status() == psutil.STATUS_ZOMBIE
    assert not (Path(env["NEWSWATCH_HOME"]) / SERVER_RECORD_NAME).exists()
    assert "No local Prefect server is running" in _newswatch(env, "server", "stop").stdout


def test_a_record_of_a_dead_server_is_dropped_and_replay_starts_its_own(env: dict[str, str]) -> None:
    home = Path(env["NEWSWATCH_HOME"])
    home.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = RunningServer(int(dead.stdout), 4200, "newswatch server start", True)
    (home / SERVER_RECORD_NAME).write_text(json.dumps(stale.__dict__))

    replayed = _newswatch(env, "replay", str(SEEDS))
    assert replayed.returncode == 0, replayed.stderr
    assert USING not in replayed.stdout
    assert not (home / SERVER_RECORD_NAME).exists()


def test_a_live_process_that_does_not_answer_is_not_used(tmp_path: Path) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    log = tmp_path / "prefect-server.log"
    record = RunningServer(os.getpid(), port, "newswatch server start", False)
    (tmp_path / SERVER_RECORD_NAME).write_text(json.dumps(record.__dict__))
    assert running_server(log, timeout=0.5) is None
    assert (tmp_path / SERVER_RECORD_NAME).exists()  # its process lives: perhaps a server still starting


def test_server_start_refuses_a_taken_port(env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = _newswatch(env, "server", "start", "--port", str(port), timeout=60)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        f"newswatch: error: port {port} on 127.0.0.1 is in use (Address already in use); choose another"
    ]
