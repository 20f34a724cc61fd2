"""The one place where an error becomes an exit code and one line on stderr (a traceback only
with ``--debug``)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer

from newswatch.cli.options import global_options
from newswatch.cli.output import echo
from newswatch.cli.status import INTERRUPTED, ExitStatus
from newswatch.errors import NewswatchError


@contextmanager
def errors_as_exit_codes(ctx: typer.Context) -> Iterator[None]:
    """Run the command of ``ctx``: newswatch's errors and a database refusing writes are one line and exit
    code 1, any other error names itself and points to ``--debug``; Ctrl-C is 130; a closed
    pipe (``newswatch contacts --json | head``) ends quietly. Usage errors keep exit code 2."""
    try:
        yield
    except (typer.Exit, typer.Abort, typer.TyperException):  # usage errors (BadParameter…) keep exit code 2
        raise
    except NewswatchError as exc:
        if global_options(ctx).debug:
            raise
        _fail(f"newswatch: error: {exc}")
    except KeyboardInterrupt:
        echo("newswatch: interrupted", err=True)
        raise typer.Exit(INTERRUPTED) from None
    except BrokenPipeError:
        # The reader went away: stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(ExitStatus.SUCCESS) from None
    except Exception as exc:
        options = global_options(ctx)
        if options.debug:
            raise
        refused = _database_refusal(exc, options.db)
        if refused is not None:  # a database that cannot be written: one line naming it
            _fail(f"newswatch: error: {refused}")
        _fail(f"newswatch: unexpected error: {type(exc).__name__}: {exc} (run with --debug for details)")


def _fail(message: str) -> NoReturn:
    echo(message, err=True)
    raise typer.Exit(ExitStatus.ERROR) from None


def _database_refusal(exc: Exception, db: str | None) -> NewswatchError | None:
    """``exc`` as one line naming the command's database, if it is that database refusing to be
    written (it reaches here as the driver's error, statement and parameters included)."""
    if "sqlalchemy" not in sys.modules:  # (then it cannot be a database error)
        return None
    from newswatch.app.maintenance import database_refusal
    from newswatch.environment import database_url

    return database_refusal(exc, database_url(db))
