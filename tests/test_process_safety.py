"""No orphans, quiet failures: a newswatch process that dies, however it dies, leaves no Prefect
server behind; runs starting the local server together do not trip over its migrations; a
failure inside a flow, or a database that cannot be written, is one line on the terminal."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import yaml
from typer.testing import CliRunner

from newswatch.cli import ExitStatus, app
from newswatch.errors import StorageError
from newswatch.storage.database import open_database
from tests.conftest import SEEDS, config_folder, isolated_environment

SERVER_START_SECONDS = 120  # a first start on a fresh PREFECT_HOME migrates Prefect's database
runner = CliRunner()


def _listening_descendant(process: psutil.Process, deadline: float) -> psutil.Process:
    """The first descendant of ``process`` that listens on a TCP port: its Prefect server."""
    while time.monotonic() < deadline:
        for child in process.children(recursive=True):
            try:
                if any(c.status == psutil.CONN_LISTEN for c in child.net_connections(kind="tcp")):
                    return child
            except psutil.NoSuchProcess:
                continue
        if not process.is_running() or process.status() == psutil.STATUS_ZOMBIE:
            raise AssertionError("newswatch ended before its Prefect server was seen")
        time.sleep(0.2)
    raise AssertionError("no Prefect server child appeared in time")


def _gone(process: psutil.Process, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not process.is_running() or process.status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def quiet_config(tmp_path: Path) -> Path:
    """A configuration with no feeds and long intervals: `serve` reaches for nothing."""
    config = config_folder(tmp_path / "config", schedule={"monitor_every_minutes": 600, "deliver_every_minutes": 600})
    (config / "feeds.yaml").write_text(yaml.safe_dump({"replace_shipped": True, "feeds": []}), encoding="utf-8")
    return config


@pytest.mark.parametrize("command", ["replay", "serve"])
def test_a_killed_newswatch_leaves_no_prefect_server_behind(command: str, tmp_path: Path, quiet_config: Path) -> None:
    arguments = ["replay", str(SEEDS)] if command == "replay" else ["serve", "--config", str(quiet_config)]
    newswatch = subprocess.Popen(
        [sys.executable, "-m", "newswatch", *arguments],
        env=isolated_environment(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server: psutil.Process | None = None
    try:
        server = _listening_descendant(psutil.Process(newswatch.pid), time.monotonic() + SERVER_START_SECONDS)
        newswatch.send_signal(signal.SIGKILL)
        newswatch.wait(timeout=10)
        assert _gone(server, within=15), f"the Prefect server (pid {server.pid}) outlived its killed parent"
    finally:
        newswatch.kill()
        newswatch.wait(timeout=10)
        if server is not None and server.is_running():
            server.kill()


def test_runs_starting_the_local_server_together_do_not_trip_over_its_migration(tmp_path: Path) -> None:
    """Three replays on one fresh PREFECT_HOME: each migrates Prefect's database in turn, none prints a traceback."""
    env = isolated_environment(tmp_path)
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "newswatch", "replay", str(SEEDS), "--db", f"sqlite:///{tmp_path / f'{n}.db'}"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(3)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (stdout, stderr) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, stderr
        assert stderr == ""
        assert "Contacts in these articles: 2 (2 new)" in stdout


def _blocked_on_a_flock(path: Path) -> bool:
    """Whether some process waits for a flock on ``path`` (Linux: /proc/locks lists waiters with "->")."""
    inode = f":{path.stat().st_ino} "
    locks = Path("/proc/locks").read_text(encoding="ascii")
    return any("->" in line and "FLOCK" in line and inode in line + " " for line in locks.splitlines())


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs Linux's /proc/locks")
def test_a_server_starts_only_when_no_other_is_starting_in_the_same_prefect_home(tmp_path: Path) -> None:
    """While another start holds PREFECT_HOME's start lock, a run's server waits: it neither migrates nor answers."""
    import fcntl

    from newswatch.prefect_server import START_LOCK_NAME

    env = isolated_environment(tmp_path)
    lock_path = tmp_path / "prefect" / START_LOCK_NAME
    with lock_path.open("ab") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        run = subprocess.Popen(
            [sys.executable, "-m", "newswatch", "replay", str(SEEDS)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            _listening_descendant(psutil.Process(run.pid), time.monotonic() + SERVER_START_SECONDS)
            assert not (tmp_path / "prefect" / "prefect.db").exists(), "the server migrated without the lock"
            deadline = time.monotonic() + SERVER_START_SECONDS
            while not _blocked_on_a_flock(lock_path):
                assert time.monotonic() < deadline, "the server did not wait for the start lock"
                time.sleep(0.2)
            time.sleep(1)
            assert not (tmp_path / "prefect" / "prefect.db").exists()
            assert run.poll() is None
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
        stdout, stderr = run.communicate(timeout=300)
    assert run.returncode == 0, stderr
    assert stderr == ""
    assert "Contacts in these articles: 2 (2 new)" in stdout


def test_a_server_that_cannot_start_is_one_line_naming_its_log(tmp_path: Path) -> None:
    unreachable = f"sqlite+aiosqlite:///{tmp_path / 'no such folder' / 'prefect.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "newswatch", "replay", str(SEEDS)],
        env=isolated_environment(tmp_path, PREFECT_API_DATABASE_CONNECTION_URL=unreachable),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == ExitStatus.ERROR
    (line,) = result.stderr.splitlines()
    assert line.startswith("newswatch: error: the local Prefect server stopped at start (exit code 3: ")
    assert "unable to open database file" in line
    assert line.endswith(f"; see {tmp_path / 'home' / 'prefect-server.log'}")
    assert "Traceback" in (tmp_path / "home" / "prefect-server.log").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def prefect_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One Prefect home for the failing runs below (each run starts its own server in it)."""
    yield tmp_path_factory.mktemp("failing-runs")


def _replay_failing(folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newswatch", "replay", str(SEEDS), *arguments],
        env=isolated_environment(folder),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_flow_that_fails_prints_one_line_not_prefects_tracebacks(prefect_home: Path) -> None:
    result = _replay_failing(prefect_home, "--db", "notaurl")
    assert result.returncode == ExitStatus.ERROR
    assert result.stderr == "newswatch: error: not a database URL: 'notaurl'\n"


def test_a_read_only_database_is_one_line_naming_it(prefect_home: Path) -> None:
    database = prefect_home / "stored.db"
    open_database(f"sqlite:///{database}")  # migrated; then opened read-only (chmod does not stop root)
    url = f"sqlite:///file:{database}?mode=ro&uri=true"
    result = _replay_failing(prefect_home, "--db", url)
    assert result.returncode == ExitStatus.ERROR
    assert (
        result.stderr == f"newswatch: error: cannot write to the database {url}: attempt to write a readonly database\n"
    )
    assert not (Path.cwd() / "file:").exists()  # the URI is not taken for a folder to create


def test_a_read_only_sqlite_file_cannot_be_migrated_and_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    url = f"sqlite:///file:{empty}?mode=ro&uri=true"
    with pytest.raises(StorageError) as caught:
        open_database(url)
    assert str(caught.value) == f"cannot write to the database {url}: attempt to write a readonly database"


def test_a_read_only_postgresql_session_is_one_line(postgres_url: str) -> None:
    open_database(postgres_url)
    read_only = f"{postgres_url}%20-cdefault_transaction_read_only%3Don"
    result = runner.invoke(app, ["mute", "topic", "taiwan", "--db", read_only])
    assert result.exit_code == ExitStatus.ERROR
    (line,) = result.output.splitlines()
    assert line.startswith("newswatch: error: cannot write to the database postgresql+psycopg://")
    assert line.endswith(": cannot execute INSERT in a read-only transaction")
    assert "[SQL" not in line
    # reading a read-only database still works
    assert runner.invoke(app, ["mutes", "--db", read_only]).exit_code == 0
