"""workers: the monitor deployment on one Prefect process worker vs two, against one PostgreSQL.

The README's production path, measured (issue 19, item 4): a real ``prefect server start`` (a
temporary PREFECT_HOME, a free port), the ``newswatch`` process work pool and the monitor
deployment made by ``prefect deploy`` from the repository's prefect.yaml, workers started with
``prefect worker start --pool newswatch`` in their own directory and environment, one PostgreSQL
database (``nw_bench_workers``, created for the run and dropped after). The feeds are the
feed-cycle benchmark's news sites (``benchmarks.sites``: 100 feeds × 20 items on 10 loopback
hosts; smoke 6 × 4 on 3), listed in the workers' feeds.yaml, all due in a fresh database.

One worker: one flow run of the deployment, one worker started. Two workers: two workers, two
flow runs created at once, each over all the feeds: the monitor's feed claims (PostgreSQL
advisory locks) give each due feed to one of them. Timed: from the runs' creation (this
process's clock) to the last one's end (the server's ``end_time``); the workers are started
before, and have registered with the server. The ratio is the two-worker cycle's wall time over
the one-worker cycle's; one and two alternate. The sites are fetched once before any cycle.

Every cycle is checked against what the sites served: each feed and each page requested once,
each item stored once, no alert twice for an (event, channel, kind), every feed recorded as
polled. A cycle that breaks this marks the row crashed. Cycles that store other numbers of
events and alerts than the others, and events whose reports are grouped otherwise than the first
one-worker cycle grouped them, are reported in the notes: event resolution depends on the order
reports are stored in, which two runs change (one process storing the same articles in another
order changes it as much).

What each process spent (CPU seconds during the timed window, sampled every 0.5 s) goes to the
notes: the flow runs, the workers themselves, the sites, PostgreSQL's backends for this
database, the Prefect server, and the rest of the machine.

Deviations from prefect.yaml, needed to measure (and said so in the notes): the deployment's
concurrency limit is 2, not 1 (with 1, the second run waits for the first: prefect.yaml as it is
runs one monitor cycle at a time however many workers there are); the server's scheduler is off
(runs are created by the benchmark, not by the 15-minute schedule); workers query for runs every
second (PREFECT_WORKER_QUERY_SECONDS=1, default 10) and take one run at a time (--limit 1), so
that two runs go to two workers and pick-up latency does not dominate.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import multiprocessing.connection
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psutil
import yaml
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from benchmarks.bench_scale import POSTGRES_SERVER
from benchmarks.harness import Result, compared, empty_database, log, side_by_side, skipped
from benchmarks.sites import START_TIMEOUT_SECONDS, NetworkSpec, NetworkUrls, NewsNetwork
from newswatch.prefect_server import LocalServer

SPECS = {False: NetworkSpec(hosts=10, feeds=100, items=20), True: NetworkSpec(hosts=3, feeds=6, items=4)}
DATABASE = "nw_bench_workers"
POOL = "newswatch"
DEPLOYMENT = "newswatch-monitor/monitor"
REPO = Path(__file__).resolve().parents[1]
PREFECT = str(Path(sys.executable).with_name("prefect"))
RUN_TIMEOUT = {False: 1200.0, True: 180.0}  # seconds for a cycle's runs to finish
SAMPLE_SECONDS = 0.5
_SUMMARY = re.compile(r"monitor: feeds (\d+) polled, (\d+) failed; (\d+) new articles, (\d+) new contacts")


# --------------------------------------------------------------------------------------------
# The news sites, in another process, with their request counts
# --------------------------------------------------------------------------------------------


def _serve_and_count(spec: NetworkSpec, connection: multiprocessing.connection.Connection) -> None:
    """Child process: serve the network; answer "clear" (forget the requests so far) and "counts"
    (GET requests per URL since then); stop on "stop" or when the parent goes."""
    network = NewsNetwork(spec)
    try:
        connection.send(network.start())
        while True:
            message = connection.recv()
            if message == "clear":
                for site in network.sites:
                    site.clear_requests()
                connection.send(None)
            elif message == "counts":
                counts = Counter(
                    site.url(urlsplit(request.path).path)
                    for site in network.sites
                    for request in site.requests
                    if request.method == "GET"
                )
                connection.send(dict(counts))
            else:
                break
    except EOFError:
        pass
    finally:
        network.stop()


class CountingNetwork:
    """The benchmark sites served from a separate process, whose requests can be counted."""

    def __init__(self, spec: NetworkSpec) -> None:
        context = multiprocessing.get_context("spawn")  # never fork a process with Prefect's threads
        self._ours, theirs = context.Pipe()
        self.process = context.Process(target=_serve_and_count, args=(spec, theirs), name="news-network", daemon=True)
        self.process.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._ours.poll(0.5):
            if not self.process.is_alive():
                raise RuntimeError(f"the news network exited at start (status {self.process.exitcode})")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the news network did not start within {START_TIMEOUT_SECONDS} s")
        self.urls: NetworkUrls = self._ours.recv()

    def warm(self) -> None:
        """GET every feed and page once (gzip, as the monitor asks), so that each is rendered and
        compressed before any cycle: the sites serve every later request from memory."""
        with httpx.Client(headers={"Accept-Encoding": "gzip"}, timeout=60) as client, ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda url: client.get(url).raise_for_status(), [*self.urls.feeds, *self.urls.pages]))
        self.clear()

    def clear(self) -> None:
        self._ours.send("clear")
        self._ours.recv()

    def counts(self) -> dict[str, int]:
        self._ours.send("counts")
        counts: dict[str, int] = self._ours.recv()
        return counts

    def stop(self) -> None:
        with suppress(OSError):
            self._ours.send("stop")
        self.process.join(timeout=30)
        if self.process.is_alive():
            self.process.kill()


# --------------------------------------------------------------------------------------------
# PostgreSQL, the Prefect server, workers
# --------------------------------------------------------------------------------------------


@dataclass
class Postgres:
    """The benchmark's database on the test server, emptied (dropped and made again) per cycle."""

    server_url: str
    name: str = DATABASE

    def __post_init__(self) -> None:
        server = make_url(self.server_url)
        self.url = server.set(database=self.name).render_as_string(hide_password=False)
        self._admin = create_engine(server, isolation_level="AUTOCOMMIT")

    def reachable(self) -> bool:
        try:
            with self._admin.connect():
                return True
        except Exception as exc:
            log(f"PostgreSQL not reachable: {exc}")
            return False

    def recreate(self) -> None:
        """A fresh database with newswatch's schema (never timed)."""
        self.drop()
        with self._admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {self.name}"))
        empty_database(self.url)

    def backends(self) -> list[int]:
        """The server processes serving connections to the database."""
        with self._admin.connect() as connection:
            query = text("SELECT pid FROM pg_stat_activity WHERE datname = :name")
            return list(connection.execute(query, {"name": self.name}).scalars())

    def drop(self) -> None:
        with self._admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _base_environment() -> dict[str, str]:
    """This process's environment without Prefect's or newswatch's settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSWATCH_"))}


def _start(command: list[str], env: dict[str, str], cwd: Path, log_file: Path) -> subprocess.Popen[bytes]:
    """A process in a session (process group) of its own, its output to ``log_file``."""
    with log_file.open("ab") as output:
        return subprocess.Popen(
            command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGINT (Ctrl-C) to the process group started, SIGKILL if it lingers."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    with suppress(ProcessLookupError):  # (any flow run left in the group)
        os.killpg(process.pid, signal.SIGKILL)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@dataclass
class Worker:
    name: str
    process: subprocess.Popen[bytes]
    log_file: Path

    def output_from(self, offset: int) -> str:
        with self.log_file.open("rb") as file:
            file.seek(offset)
            return file.read().decode(errors="replace")

    def log_size(self) -> int:
        return self.log_file.stat().st_size


@dataclass
class Setting:
    """The running server, pool and deployment, and how to start workers for them."""

    folder: Path
    api_url: str
    server: subprocess.Popen[bytes]
    worker_env: dict[str, str]
    deployment_id: Any = None
    workers: dict[str, Worker] = field(default_factory=dict)

    def start_workers(self, names: list[str]) -> None:
        """Start these workers and wait until each has registered with the server (its first
        heartbeat, sent before it first asks for runs)."""
        self.wait_for_workers(names, *self.launch_workers(names))

    def launch_workers(self, names: list[str]) -> tuple[float, dt.datetime]:
        """Start these workers (``prefect worker start``, in a directory and PREFECT_HOME of their
        own); returns when, for ``wait_for_workers``."""
        started, since = time.perf_counter(), dt.datetime.now(dt.UTC)
        for name in names:
            home = self.folder / name
            (home / "run").mkdir(parents=True, exist_ok=True)
            env = {**self.worker_env, "PREFECT_HOME": str(home / "prefect")}
            command = [PREFECT, "worker", "start", "--pool", POOL, "--name", name, "--limit", "1"]
            log_file = self.folder / f"{name}.log"
            self.workers[name] = Worker(name, _start(command, env, home / "run", log_file), log_file)
        return started, since

    def wait_for_workers(self, names: list[str], started: float, since: dt.datetime) -> None:
        from prefect.client.orchestration import get_client

        deadline = time.monotonic() + 180
        with get_client(sync_client=True) as client:
            while True:
                beats = {w.name: w.last_heartbeat_time for w in client.read_workers_for_work_pool(POOL)}
                if all((beat := beats.get(name)) is not None and beat >= since for name in names):
                    break  # (a worker stopped before keeps its last heartbeat: only a new one counts)
                for name in names:
                    if self.workers[name].process.poll() is not None:
                        raise RuntimeError(f"{name} exited:\n{_tail(self.workers[name].log_file)}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"workers {names} not online after 180 s")
                time.sleep(0.25)
        time.sleep(1.0)  # (registered, and into its first query for runs: it asks every second)
        log(f"{', '.join(names)} online in {time.perf_counter() - started:.1f} s (not measured)")

    def stop_workers(self, names: list[str]) -> None:
        for name in names:
            worker = self.workers.pop(name, None)
            if worker is not None:
                _stop(worker.process)

    def run_deployment(self, count: int, timeout: float, parameters: dict[str, Any] | None = None) -> Runs:
        """``count`` runs of the monitor deployment created at once; waits until all are final."""
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

        with get_client(sync_client=True) as client:
            created_at = dt.datetime.now(dt.UTC).timestamp()
            ids = [
                client.create_flow_run_from_deployment(self.deployment_id, parameters=parameters).id
                for _ in range(count)
            ]
            deadline = time.monotonic() + timeout
            while True:
                runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids)))
                if len(runs) == len(ids) and all(run.state is not None and run.state.is_final() for run in runs):
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"runs not finished after {timeout:.0f} s: {[str(r.state) for r in runs]}")
                time.sleep(0.5)  # (the server's timestamps time the runs, not this loop)
        if not all(run.state is not None and run.state.is_completed() for run in runs):
            output = "\n".join(_tail(worker.log_file, 40) for worker in self.workers.values())
            raise RuntimeError(f"a monitor run did not complete: {[str(r.state) for r in runs]}\n{output}")
        spans = sorted(
            (run.start_time.timestamp() - created_at, run.end_time.timestamp() - created_at)
            for run in runs
            if run.start_time and run.end_time
        )
        if len(spans) != count:
            raise RuntimeError(f"runs without start or end time: {runs}")
        return Runs(max(end for _, end in spans), spans)


@dataclass(frozen=True)
class Runs:
    seconds: float  # from the runs' creation (this process's clock) to the last one's end (the server's)
    spans: list[tuple[float, float]]  # each run's start (Running) and end (Completed) after their creation, s


@contextmanager
def prefect_setting(
    folder: Path, database_url: str, prepare: Callable[[], list[str]], workers: list[str]
) -> Iterator[Setting]:
    """``prefect server start``, the work pool, the monitor deployment from prefect.yaml and
    ``workers`` started; yields the setting, whose workers are stopped (and the server with them)
    when the block ends. ``prepare`` runs while the server starts, and returns the feeds for the
    workers' feeds.yaml."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    base = _base_environment()
    quiet = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    server_env = {
        **base,
        **quiet,
        "PREFECT_HOME": str(folder / "prefect-server"),
        # Runs are created by the benchmark; the deployment's 15-minute schedule must not add one.
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
    }
    started = time.perf_counter()
    server = _start(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        server_env,
        folder,
        folder / "server.log",
    )
    try:
        feeds = prepare()
    except BaseException:
        _stop(server)
        raise
    cli_env = {**base, **quiet, "PREFECT_HOME": str(folder / "prefect-cli"), "PREFECT_API_URL": api_url}
    config = folder / "config"
    config.mkdir()
    (config / "feeds.yaml").write_text(
        yaml.safe_dump({"replace_shipped": True, "feeds": [{"url": url} for url in feeds]}), encoding="utf-8"
    )
    (folder / "work").mkdir()
    worker_env = {
        **cli_env,
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "NEWSWATCH_DATABASE_URL": database_url,
        "NEWSWATCH_CONFIG_DIR": str(config),
        "NEWSWATCH_HOME": str(folder / "newswatch-home"),
        "NEWSWATCH_WORKDIR": str(folder / "work"),
        "NEWSWATCH_MONITOR__ALLOW_PRIVATE_NETWORKS": "true",  # the feeds are served on 127.0.0.x
    }
    setting = Setting(folder, api_url, server, worker_env)
    try:
        # (newswatch's own wait for a local server: it names the log when the server ends first)
        LocalServer(port, server, folder / "server.log", 0, None).wait_ready(180, stop_on_timeout=False)
        log(f"prefect server start: up in {time.perf_counter() - started:.0f} s (not measured)")
        # The README's step 3, for the monitor deployment only, its concurrency limit lifted to 2;
        # the workers start while it deploys.
        pool = ["work-pool", "create", POOL, "--type", "process"]
        done = subprocess.run([PREFECT, *pool], cwd=REPO, env=cli_env, capture_output=True, text=True, timeout=180)
        if done.returncode != 0:
            raise RuntimeError(f"prefect {' '.join(pool)} failed:\n{done.stdout}\n{done.stderr}")
        launched = setting.launch_workers(workers)
        deploy = ["--no-prompt", "deploy", "--name", "monitor", "--concurrency-limit", "2"]
        done = subprocess.run([PREFECT, *deploy], cwd=REPO, env=cli_env, capture_output=True, text=True, timeout=180)
        if done.returncode != 0:
            raise RuntimeError(f"prefect {' '.join(deploy)} failed:\n{done.stdout}\n{done.stderr}")
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            from prefect.client.orchestration import get_client

            setting.wait_for_workers(workers, *launched)
            with get_client(sync_client=True) as client:
                deployment = client.read_deployment_by_name(DEPLOYMENT)
                setting.deployment_id = deployment.id
                limit = deployment.global_concurrency_limit
                log(
                    f"deployed {DEPLOYMENT} (concurrency limit {limit.limit if limit else None}, "
                    f"entrypoint {deployment.entrypoint}, pull steps {deployment.pull_steps})"
                )
            yield setting
    finally:
        for name in list(setting.workers):
            setting.stop_workers([name])
        _stop(server)


# --------------------------------------------------------------------------------------------
# CPU during a cycle
# --------------------------------------------------------------------------------------------

GROUPS = ("flow runs", "workers", "sites", "postgres", "prefect server", "benchmark")


class CpuSampler:
    """CPU seconds per group of processes over a window, sampled every 0.5 s (a process's last
    sample counts: a flow run's last half second may be missed), and the whole machine's busy time."""

    def __init__(self, setting: Setting, sites_pid: int, postgres: Postgres) -> None:
        self._setting, self._sites_pid, self._postgres = setting, sites_pid, postgres
        self._first: dict[int, float] = {}
        self._last: dict[int, tuple[str, float]] = {}
        self._processes: dict[int, psutil.Process] = {}
        self.peak_mb = 0.0  # the largest flow-run process's RSS
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="cpu-sampler", daemon=True)

    def _groups(self) -> dict[int, str]:
        """The processes to sample now, by group: one pass over the process table for parents,
        PostgreSQL's backends on the benchmark's database from pg_stat_activity."""
        children: dict[int, list[int]] = {}
        for process in psutil.process_iter(["ppid"]):
            children.setdefault(process.info["ppid"], []).append(process.pid)

        def tree(pid: int) -> list[int]:
            below = children.get(pid, [])
            return below + [p for child in below for p in tree(child)]

        found = {pid: "prefect server" for pid in [self._setting.server.pid, *tree(self._setting.server.pid)]}
        for worker in list(self._setting.workers.values()):
            found[worker.process.pid] = "workers"
            found |= dict.fromkeys(tree(worker.process.pid), "flow runs")
        found[self._sites_pid] = "sites"
        found[os.getpid()] = "benchmark"
        found |= dict.fromkeys(self._postgres.backends(), "postgres")
        return found

    def _sample(self, first: bool) -> None:
        for pid, group in self._groups().items():
            try:
                if pid not in self._processes:
                    self._processes[pid] = psutil.Process(pid)
                process = self._processes[pid]
                times = process.cpu_times()
                if group == "flow runs":
                    self.peak_mb = max(self.peak_mb, process.memory_info().rss / 2**20)
            except psutil.Error:
                continue
            cpu = times.user + times.system
            if pid not in self._first:
                self._first[pid] = cpu if first else 0.0  # (a process started in the window: all its CPU)
            self._last[pid] = (group, cpu)

    def _loop(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            with suppress(Exception):
                self._sample(first=False)

    def __enter__(self) -> CpuSampler:
        self._machine = _machine_busy()
        self._wall = time.perf_counter()
        self._sample(first=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample(first=False)
        self.wall = time.perf_counter() - self._wall
        self.machine = _machine_busy() - self._machine
        self.by_group = {group: 0.0 for group in GROUPS}
        for pid, (group, cpu) in self._last.items():
            self.by_group[group] += max(0.0, cpu - self._first[pid])
        self.by_group["rest of the machine"] = max(0.0, self.machine - sum(self.by_group.values()))


def _machine_busy() -> float:
    """CPU seconds all cores have been busy since boot."""
    t = psutil.cpu_times()
    return float(t.user + t.nice + t.system + t.irq + t.softirq + getattr(t, "steal", 0.0))


# --------------------------------------------------------------------------------------------
# A cycle
# --------------------------------------------------------------------------------------------


@dataclass
class Cycle:
    workers: int
    seconds: float
    spans: list[tuple[float, float]]  # each run's start and end after the runs' creation, s
    shares: list[tuple[int, int]]  # (feeds polled, new articles) per run, from the workers' output
    totals: tuple[int, int, int]  # articles, events, alerts stored
    events: set[tuple[str, str, str, int]]  # participants, date, status, reports: each event stored
    cpu: dict[str, float]
    wall: float
    peak_mb: float  # the largest flow-run process's RSS, sampled
    problems: list[str]


def run_cycle(
    setting: Setting, network: CountingNetwork, postgres: Postgres, spec: NetworkSpec, workers: int, timeout: float
) -> Cycle:
    """Fresh database and request counts, ``workers`` workers online, then timed: ``workers`` runs
    of the monitor deployment created at once, until all are completed."""
    postgres.recreate()
    network.clear()
    names = [f"worker-{n + 1}" for n in range(workers)]
    extra = [name for name in names if name not in setting.workers]
    if extra:
        setting.start_workers(extra)
    offsets = {name: setting.workers[name].log_size() for name in names}
    with CpuSampler(setting, network.process.pid or 0, postgres) as cpu:
        runs = setting.run_deployment(workers, timeout)
    shares = [
        (int(m.group(1)), int(m.group(3)))
        for name in names
        for m in _SUMMARY.finditer(setting.workers[name].output_from(offsets[name]))
    ]
    totals, events, problems = check(postgres.url, network, spec)
    return Cycle(
        workers, runs.seconds, runs.spans, shares, totals, events, cpu.by_group, cpu.wall, cpu.peak_mb, problems
    )


def check(
    url: str, network: CountingNetwork, spec: NetworkSpec
) -> tuple[tuple[int, int, int], set[tuple[str, str, str, int]], list[str]]:
    """What the cycle stored, and what it did twice or not at all: requests per feed and page
    (from the sites), articles per item, alerts per event and channel."""
    from newswatch.storage.models import AlertRow, ArticleRow, ContactEventRow, EventArticleRow, FeedRow

    problems = []
    counts = network.counts()
    feeds = [counts.get(feed, 0) for feed in network.urls.feeds]
    pages = [counts.get(page, 0) for page in network.urls.pages]
    if any(n != 1 for n in feeds):
        problems.append(f"feeds polled {dict(sorted(Counter(feeds).items()))} times (count: feeds)")
    if any(n != 1 for n in pages):
        problems.append(f"pages fetched {dict(sorted(Counter(pages).items()))} times (count: pages)")
    engine = create_engine(make_url(url))
    try:
        with engine.connect() as connection:
            articles = connection.scalar(select(func.count()).select_from(ArticleRow)) or 0
            refs = connection.scalar(select(func.count(func.distinct(ArticleRow.ref)))) or 0
            events = connection.scalar(select(func.count()).select_from(ContactEventRow)) or 0
            alerts = connection.scalar(select(func.count()).select_from(AlertRow)) or 0
            alert_keys = (
                connection.scalar(
                    select(func.count()).select_from(
                        select(AlertRow.event_id, AlertRow.channel, AlertRow.kind).distinct().subquery()
                    )
                )
                or 0
            )
            polled = connection.scalar(select(func.count()).where(FeedRow.last_polled_at.is_not(None))) or 0
            reports = (
                select(func.count())
                .where(EventArticleRow.event_id == ContactEventRow.id)
                .correlate(ContactEventRow)
                .scalar_subquery()
            )
            stored_events = {
                (key, str(date), status, n)
                for key, date, status, n in connection.execute(
                    select(ContactEventRow.participant_key, ContactEventRow.date, ContactEventRow.status, reports)
                )
            }
    finally:
        engine.dispose()
    if articles != spec.articles or refs != articles:
        problems.append(f"{articles} articles stored ({refs} distinct) for {spec.articles} items served")
    if alert_keys != alerts:
        problems.append(f"{alerts} alerts for {alert_keys} (event, channel, kind)")
    if polled != spec.feeds:
        problems.append(f"{polled} feeds recorded as polled of {spec.feeds}")
    return (articles, events, alerts), stored_events, problems


# --------------------------------------------------------------------------------------------
# The benchmark
# --------------------------------------------------------------------------------------------


def _cpu_note(cycles: list[Cycle]) -> str:
    """Mean CPU seconds per group over these cycles, and the cores busy."""
    wall = statistics.fmean(c.wall for c in cycles)
    groups = [*GROUPS, "rest of the machine"]
    means = {g: statistics.fmean(c.cpu[g] for c in cycles) for g in groups}
    total = sum(means.values())
    parts = ", ".join(f"{g} {means[g]:.1f}" for g in groups)
    return f"CPU s in {wall:.1f} s: {parts}; machine busy {total / wall:.2f} of {os.cpu_count()} cores"


def run(smoke: bool, repeat: int) -> list[Result]:
    spec = SPECS[smoke]
    postgres = Postgres(POSTGRES_SERVER)
    if not postgres.reachable():
        return [skipped("workers", f"PostgreSQL not reachable at {make_url(POSTGRES_SERVER).render_as_string()}")]
    repeat = 1 if smoke else repeat  # (smoke: that it runs; each repetition is two cycles)
    cycles: list[Cycle] = []
    load_before = os.getloadavg()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="nw-bench-workers-")))
        networks: list[CountingNetwork] = []

        def prepare() -> list[str]:  # (while the Prefect server starts)
            networks.append(CountingNetwork(spec))
            stack.callback(networks[0].stop)
            stack.callback(postgres.drop)
            postgres.recreate()
            return networks[0].urls.feeds

        # (the first repetition starts with two workers)
        setting = stack.enter_context(prefect_setting(folder, postgres.url, prepare, ["worker-1", "worker-2"]))
        network = networks[0]
        network.warm()
        from prefect.settings import PREFECT_API_URL, temporary_settings

        stack.enter_context(temporary_settings(updates={PREFECT_API_URL: setting.api_url}))
        log(f"{spec.feeds} feeds × {spec.items} items on {spec.hosts} hosts; database {postgres.name}")
        if not smoke:  # one run of one feed first: the first run's costs (caches, the server's first use)
            warm = setting.run_deployment(1, 600, {"feed_urls": network.urls.feeds[:1]})
            log(f"warm-up run (one feed): {warm.seconds:.1f} s")
        timeout = RUN_TIMEOUT[smoke]

        def measure(workers: int) -> float:
            cycle = run_cycle(setting, network, postgres, spec, workers, timeout)
            if workers == 2:
                setting.stop_workers(["worker-2"])
            cycles.append(cycle)
            log(
                f"{workers} worker(s): {cycle.seconds:.2f} s ({spec.articles / cycle.seconds:.1f} articles/s), "
                f"runs (start, end) {[(round(a, 1), round(b, 1)) for a, b in cycle.spans]} s, shares {cycle.shares}, "
                f"stored {cycle.totals}; {_cpu_note([cycle])}"
                + (f"; PROBLEMS: {cycle.problems}" if cycle.problems else "")
            )
            return cycle.seconds

        two, one = side_by_side(lambda rep: measure(2), lambda rep: measure(1), repeat, "workers")
    load_after = os.getloadavg()

    ones, twos = [c for c in cycles if c.workers == 1], [c for c in cycles if c.workers == 2]
    problems = [f"{c.workers} worker(s): {p}" for c in cycles for p in c.problems]
    totals = {c.totals for c in cycles}
    # Other numbers of events and alerts than one worker's are not the workers' doing: one process
    # storing the same articles in another order does the same (event resolution depends on the
    # order of reports whose dates chain within the slack: A near B, B near C, A far from C). It
    # is reported, not a crash; nothing stored twice is checked above, per cycle.
    order_note = (
        f"cycles stored different (articles, events, alerts): {sorted(totals)} (event resolution "
        "depends on the order reports are stored in; one process shows it too)"
        if len(totals) > 1
        else "every cycle stored the same numbers of articles, events and alerts"
    )
    # Events with their reports grouped otherwise than one worker grouped them (as many events and
    # alerts: nothing stored twice, but which event a report joins depends on the order of storing).
    regrouped = []
    for c in cycles:
        extra, missing = sorted(c.events - ones[0].events), sorted(ones[0].events - c.events)
        if extra or missing:
            regrouped.append(
                f"{c.workers} worker(s) {c.totals}: {len(extra)} events (participants, date, status, reports) "
                f"not as the first one-worker cycle's, e.g. {extra[:2]} for its {missing[:2]}"
            )
    one_rate, two_rate = spec.articles / statistics.median(one), spec.articles / statistics.median(two)
    shares = "; ".join(str(c.shares) for c in twos)
    notes = (
        f"{spec.feeds} feeds × {spec.items} items on {spec.hosts} hosts; one worker {one_rate:.1f} articles/s, "
        f"two workers {two_rate:.1f} articles/s; two workers' shares (feeds, articles) per run: {shares}; "
        f"runs start (Running) after creation: one worker {statistics.median(c.spans[0][0] for c in ones):.1f} s, "
        f"two {statistics.median(c.spans[-1][0] for c in twos):.1f} s (the later); a run itself (start to end): "
        f"one worker {statistics.median(c.spans[0][1] - c.spans[0][0] for c in ones):.1f} s, two "
        f"{statistics.median(max(b - a for a, b in c.spans) for c in twos):.1f} s (the longer); "
        f"stored (articles, events, alerts) {sorted(totals)}; "
        f"one worker: {_cpu_note(ones)}; two workers: {_cpu_note(twos)}; "
        f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after; "
        f"{order_note}; events grouped otherwise than one worker's: {'; '.join(regrouped) or 'none'}; "
        "deployment from prefect.yaml with concurrency limit 2 (prefect.yaml: 1), scheduler off, "
        "workers --limit 1 querying every 1 s"
    )
    peak = max(c.peak_mb for c in cycles)
    notes += f"; peak RSS: the largest flow-run process (sampled every {SAMPLE_SECONDS} s)"
    result = compared("workers", spec.articles, two, one, peak, throughput=True, notes=notes)
    if problems:
        result.crashed = True
        result.notes = f"DONE TWICE OR NOT AT ALL: {'; '.join(problems)}; {notes}"
    return [result]
