"""The README's production path, reduced: a real `prefect server start`, the work pool and
`prefect deploy --all` from the repository's root, a worker started in another directory with its
own environment, and one run of the replay deployment that lands articles in the database."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import REPO, SEEDS, stored_totals

PREFECT = str(Path(sys.executable).with_name("prefect"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_api(api_url: str, server: subprocess.Popen[str], timeout: float) -> None:
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, "prefect server start ended"
        try:
            with no_proxy.open(f"{api_url}/health", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"no Prefect API at {api_url} after {timeout:.0f} s")


def _stop(process: subprocess.Popen[str]) -> str:
    """SIGINT (Ctrl-C) to the process group this test started, SIGKILL if it lingers; its output."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate(timeout=30)
    return output


def test_a_worker_in_another_directory_runs_the_replay_deployment(tmp_path: Path) -> None:
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSWATCH_"))}
    prefect_env = {
        **base,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_API_URL": api_url,
    }
    server = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env={k: v for k, v in prefect_env.items() if k != "PREFECT_API_URL"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    worker: subprocess.Popen[str] | None = None
    try:
        _wait_for_api(api_url, server, timeout=120)
        for command in (["work-pool", "create", "newswatch", "--type", "process"], ["--no-prompt", "deploy", "--all"]):
            done = subprocess.run(
                [PREFECT, *command], cwd=REPO, env=prefect_env, capture_output=True, text=True, timeout=120
            )
            assert done.returncode == 0, done.stdout + done.stderr

        # Another machine, as far as the worker can tell: another directory, its own database,
        # and a working directory for relative paths whose seeds/ holds one of the two seeds (the
        # deploying directory's seeds/ would give two).
        elsewhere, workdir = tmp_path / "elsewhere", tmp_path / "work"
        elsewhere.mkdir()
        (workdir / "seeds").mkdir(parents=True)
        shutil.copy(SEEDS / "004_ec52301a8b636dd9.txt", workdir / "seeds")
        database = f"sqlite:///{tmp_path / 'newswatch.db'}"
        worker_env = {
            **prefect_env,
            "PREFECT_HOME": str(tmp_path / "prefect-worker"),
            "NEWSWATCH_DATABASE_URL": database,
            "NEWSWATCH_HOME": str(tmp_path / "home"),
            "NEWSWATCH_WORKDIR": str(workdir),
        }
        worker = subprocess.Popen(
            [PREFECT, "worker", "start", "--pool", "newswatch", "--name", "worker-1"],
            cwd=elsewhere,
            env=worker_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        run = subprocess.run(
            [PREFECT, "deployment", "run", "newswatch-replay/replay", "--watch", "--watch-timeout", "150"],
            cwd=elsewhere,
            env=prefect_env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert "Parameters: {'paths': ['seeds']}" in run.stdout
        articles, events, _ = stored_totals(database)
        assert (articles, events) == (1, 1), "the worker read seeds/ in NEWSWATCH_WORKDIR"
    finally:
        worker_output = _stop(worker) if worker is not None else ""
        _stop(server)
    assert "set_working_directory' completed successfully" in worker_output, worker_output
    assert "Traceback" not in worker_output, worker_output
