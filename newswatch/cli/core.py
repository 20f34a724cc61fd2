"""The ``newswatch`` command: its global options, how it quiets the frameworks' output, and the
group every command is registered on (``newswatch.cli``'s modules add them)."""

from __future__ import annotations

import copy
import logging
import os
import sys
from collections.abc import Iterator
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from newswatch import __version__
from newswatch.cli.errors import errors_as_exit_codes
from newswatch.cli.options import (
    FLAG_GLOBALS,
    VALUED_GLOBALS,
    ConfigOption,
    DbOption,
    DebugOption,
    GlobalOptions,
    global_options_first,
    plain_help,
)
from newswatch.cli.output import echo
from newswatch.cli.status import EPILOG
from newswatch.terminal import make_log_records_safe

make_log_records_safe()  # what --debug shows of the libraries' logs passes the same checks

# Prefect defaults that make a normal run print only what a user needs. Each was checked on a
# fresh PREFECT_HOME with the pinned Prefect; a variable the user has set wins.
QUIET_PREFECT = {
    # the temporary server's telemetry job: "Failed to send telemetry" and "database is locked" tracebacks
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # "Starting temporary server…" and every flow/task run INFO line
    "PREFECT_LOGGING_LEVEL": "WARNING",
    # the usage-data notice printed on import in a new PREFECT_HOME
    "DO_NOT_TRACK": "1",
    # a first start on a fresh PREFECT_HOME can take longer than the default 20 s on a small machine
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}

# Prefect's loggers for flow and task runs: a failing run logs "Encountered exception during
# execution" and "Task run failed" with tracebacks at ERROR. newswatch reports the failure itself,
# in one line; the records still reach Prefect's API (its flow-run logs), only not the terminal.
PREFECT_RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")


def _not_a_prefect_run_record(record: logging.LogRecord) -> bool:
    return not record.name.startswith(PREFECT_RUN_LOGGERS)


def configure_output(debug: bool) -> None:
    """Quiet by default; ``--debug`` shows newswatch's, Prefect's and apprise's logs."""
    for name, value in QUIET_PREFECT.items():
        os.environ.setdefault(name, "DEBUG" if debug and name == "PREFECT_LOGGING_LEVEL" else value)
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not debug:
        # On the terminal's handlers, not the loggers: Prefect configures its loggers when it is
        # imported (after this), and its API handler should still store the records.
        for handler in logging.getLogger().handlers:
            if _not_a_prefect_run_record not in handler.filters:
                handler.addFilter(_not_a_prefect_run_record)
        apprise_logger = logging.getLogger("apprise")
        apprise_logger.addHandler(logging.NullHandler())
        apprise_logger.propagate = False  # failures are reported by newswatch, once, naming the URL masked


def _subcommands(group: TyperGroup) -> Iterator[Any]:
    """Every command and group under ``group``, at any depth."""
    for command in group.commands.values():
        yield command
        if isinstance(command, TyperGroup):
            yield from _subcommands(command)


class NewswatchGroup(TyperGroup):
    """The top-level command, which makes the global options global.

    Users write them after the command name as often as before it (``newswatch contacts --db
    URL --debug``), as kubectl and gh allow: ``parse_args`` moves them to the front, where this
    command parses them, once. So that each command's ``--help`` lists them, each command also
    carries a copy of them, for its help only (the move leaves it nothing to parse). And every
    command's errors become exit codes in ``invoke``, the one place (``errors.py``).
    """

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        listed = [copy.copy(p) for p in self.params if set(p.opts) & {*VALUED_GLOBALS, *FLAG_GLOBALS}]
        for param in listed:
            param.expose_value = False
        for command in _subcommands(self):
            command.params.extend(listed)
            plain_help(command)

    # (typer.Context is the Click context Typer hands commands; TyperGroup declares Click's own.)
    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        return super().parse_args(ctx, global_options_first(args))

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        with errors_as_exit_codes(ctx):
            return super().invoke(ctx)


def _show_version(shown: bool) -> None:
    if shown:
        echo(f"newswatch {__version__}")
        raise typer.Exit(0)


app = typer.Typer(
    name="newswatch",
    cls=NewswatchGroup,
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def newswatch(
    ctx: typer.Context,
    db: DbOption = None,
    config: ConfigOption = None,
    debug: DebugOption = False,
    version: Annotated[
        bool, typer.Option("--version", is_eager=True, callback=_show_version, help="Print the version and exit.")
    ] = False,
) -> None:
    """Watch the news for high-level military contacts between two countries (tracked_pair in
    newswatch.yaml) and alert on new ones."""
    configure_output(debug)
    ctx.obj = GlobalOptions(db, config, debug)


def main() -> None:
    """Entry point of the ``newswatch`` console script."""
    try:
        app()
    except SystemExit as exc:
        # Click reports usage errors with exit code 2 already; keep every other code as is.
        sys.exit(exc.code)
