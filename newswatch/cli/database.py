"""``newswatch db``: database maintenance."""

from __future__ import annotations

import typer

from newswatch.cli.core import app
from newswatch.cli.options import global_options
from newswatch.cli.output import echo

db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create the database or migrate it to the latest schema (Alembic).

    Example: newswatch db upgrade --db postgresql://user@host/newswatch
    """
    from newswatch.app.maintenance import upgrade_database
    from newswatch.environment import database_url

    shown = upgrade_database(database_url(global_options(ctx).db))
    echo(f"Database {shown} is at the latest schema.")
