"""``newswatch server start|stop|status``: a local Prefect server that stays up between runs.

Without one, every ``replay`` and ``run`` starts Prefect's temporary server and waits for it
(seconds to tens of seconds); with one running, they use it and start in about a second. ``serve``
uses it too, and its scheduler. It runs until ``newswatch server stop`` (or the machine stops);
its state is Prefect's (PREFECT_HOME), its output in the newswatch home's prefect-server.log.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from newswatch.cli.core import app
from newswatch.cli.output import echo
from newswatch.errors import NewswatchError

server_app = typer.Typer(
    help="A local Prefect server that stays up between runs, so that replay and run start at once.",
    no_args_is_help=True,
)
app.add_typer(server_app, name="server")

DEFAULT_PORT = 4200  # Prefect's own

T = TypeVar("T")

PortOption = Annotated[
    int | None,
    typer.Option(
        "--port",
        min=0,
        max=65535,
        help=f"Port of the local Prefect server and its dashboard on 127.0.0.1 (0: any free one) "
        f"[default: {DEFAULT_PORT}, or a free one if taken].",
    ),
]


def on_usual_port(start: Callable[[int], T], port: int | None) -> T:
    """``start(port)``: on ``port`` when given (taken: the error), else on Prefect's usual port,
    or on a free one, said, when that is taken."""
    from newswatch.prefect_server import PortInUseError

    try:
        return start(DEFAULT_PORT if port is None else port)
    except PortInUseError:
        if port is not None:
            raise
        echo(f"Port {DEFAULT_PORT} is taken (another Prefect server?): using a free one; --port sets one.")
        return start(0)


def server_log() -> Path:
    """Where a local Prefect server started by newswatch writes its output (and is recorded)."""
    from newswatch.environment import default_home

    return default_home() / "prefect-server.log"


@server_app.command("start")
def start(
    port: PortOption = None,
    dashboard: Annotated[
        bool, typer.Option("--dashboard/--no-dashboard", help="Serve Prefect's dashboard too.")
    ] = True,
) -> None:
    """Start a local Prefect server in the background (with Prefect's scheduler and, unless
    --no-dashboard, its dashboard) and return once it answers. replay, run and serve then use it
    instead of starting one each time. It runs until `newswatch server stop`.

    Uses no server when PREFECT_API_URL is set: that one is used.

    Example: newswatch server start && newswatch replay seeds/
    """
    from newswatch.prefect_server import configured_api_url, running_server, start_detached_server

    configured = configured_api_url()
    if configured:
        raise NewswatchError(
            f"PREFECT_API_URL is set ({configured}): newswatch uses that server; unset it to start one"
        )
    log = server_log()
    running = running_server(log)
    if running is not None:
        echo(f"A local Prefect server is already running at {running.address} (pid {running.pid}).")
        return
    echo("Starting a local Prefect server (a first start creates its database) …")
    server = on_usual_port(
        lambda chosen: start_detached_server(log, port=chosen, ui=dashboard, started_by="newswatch server start"), port
    )
    echo(
        f"Prefect server running at {server.address} (pid {server.pid}"
        f"{'; its dashboard is there' if server.dashboard else ''}); its log: {log}."
    )
    echo("replay, run and serve use it until `newswatch server stop`.")


@server_app.command("stop")
def stop() -> None:
    """Stop the local Prefect server that `newswatch server start` started.

    Example: newswatch server stop
    """
    from newswatch.prefect_server import stop_recorded_server

    stopped = stop_recorded_server(server_log())
    if stopped is None:
        echo("No local Prefect server is running.")
        return
    echo(f"Stopped the local Prefect server at {stopped.address} (pid {stopped.pid}).")


@server_app.command("status")
def status() -> None:
    """Tell whether a local Prefect server that replay and run would use is running, and where.

    Example: newswatch server status
    """
    from newswatch.prefect_server import configured_api_url, running_server

    configured = configured_api_url()
    if configured:
        echo(f"PREFECT_API_URL is set: runs use the Prefect server at {configured}.")
        return
    running = running_server(server_log())
    if running is None:
        echo(
            "No local Prefect server is running: each replay or run starts a temporary one "
            "(`newswatch server start` keeps one up)."
        )
        return
    since = f" since {running.started_at.replace('T', ' ')}" if running.started_at else ""
    echo(f"Running at {running.address} (pid {running.pid}, started by `{running.started_by}`{since}).")
