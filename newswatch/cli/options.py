"""The command line's options: the global ones (``--db``, ``--config``, ``--debug``), which reach
every command through the context as ``GlobalOptions``, and the option types commands share."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from newswatch.environment import database_url, default_home

if TYPE_CHECKING:
    from newswatch.app import Database


@dataclass(frozen=True)
class GlobalOptions:
    """The options every command accepts, before or after its name."""

    db: str | None = None  # --db, else $NEWSWATCH_DATABASE_URL
    config: Path | None = None  # --config, else $NEWSWATCH_CONFIG_DIR
    debug: bool = False

    @property
    def config_dir(self) -> str | None:
        """``config`` as the flows take it (their parameters are strings)."""
        return str(self.config) if self.config else None

    @property
    def database_url(self) -> str:
        """The command's database URL: --db, else $NEWSWATCH_DATABASE_URL, else the default file."""
        return database_url(self.db)

    def open_database(self, *, create: bool = False) -> Database:
        """The command's database, migrated to the latest schema. Only a command that writes what
        the user asked for passes ``create``: one that reads (or finds nothing to do without a
        database) meets a missing SQLite file with one line, and creates no file or folder.

        Raises:
            DatabaseMissing: no SQLite file at the URL's path, and not ``create``.
        """
        from newswatch.app import open_database
        from newswatch.app.maintenance import open_existing_database

        return open_database(self.database_url) if create else open_existing_database(self.database_url)

    def check_database(self) -> None:
        """Check the database URL without connecting (before a flow starts Prefect).

        Raises:
            StorageError: naming the URL and what is wrong with it.
        """
        from newswatch.app.maintenance import check_database_url

        check_database_url(self.database_url)


def global_options(ctx: typer.Context) -> GlobalOptions:
    """The global options of the command being run (set by the top-level callback)."""
    options = ctx.find_root().obj
    return options if isinstance(options, GlobalOptions) else GlobalOptions()


def export_secrets(db: str | None, notify: list[str] | None) -> None:
    """Hand --db and --notify on through the environment, where the flows and the notification
    settings read them: Prefect stores flow parameters, and these carry credentials."""
    if db:
        os.environ["NEWSWATCH_DATABASE_URL"] = db
    if notify:
        os.environ["NEWSWATCH_NOTIFY"] = " ".join([os.environ.get("NEWSWATCH_NOTIFY", ""), *notify]).strip()


# The global options' names: those taking a value, and the flags.
VALUED_GLOBALS = ("--db", "--config")
FLAG_GLOBALS = ("--debug",)


def global_options_first(args: Sequence[str]) -> list[str]:
    """``args`` with the global options (wherever they are, up to a ``--``) moved to the front,
    where the top-level command parses them: ``contacts --db URL`` is ``--db URL contacts``."""
    moved: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest.extend(args[index:])
            break
        if arg in FLAG_GLOBALS or arg.startswith(tuple(f"{name}=" for name in VALUED_GLOBALS)):
            moved.append(arg)
        elif arg in VALUED_GLOBALS and index + 1 < len(args):
            moved.extend(args[index : index + 2])
            index += 1
        else:
            rest.append(arg)
        index += 1
    return [*moved, *rest]


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="URL",
        envvar="NEWSWATCH_DATABASE_URL",
        # (the default as it is for this run: $NEWSWATCH_HOME moves it)
        help=f"SQLAlchemy database URL [default: sqlite:///{default_home() / 'newswatch.db'}].",
        show_envvar=True,
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar="DIR",
        envvar="NEWSWATCH_CONFIG_DIR",
        help="Folder of configuration files overriding the shipped ones.",
        show_envvar=True,
    ),
]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show framework logs and tracebacks.")]
NotifyOption = Annotated[
    list[str] | None,
    typer.Option(
        "--notify", help="apprise URL to alert (repeatable); adds to $NEWSWATCH_NOTIFY and the config.", metavar="URL"
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
PathsArgument = Annotated[
    list[Path], typer.Argument(help="Seed-format files, or folders of *.txt files.", show_default=False, metavar="PATH")
]


class _PlainArgument(TyperArgument):
    """An argument whose help shows its name only (Typer adds the Python type: ``PATH <list[Path]>``)."""

    # (typer.Context is the context Typer hands its parameters; they declare its base, private.)
    def display_type_rich(self, ctx: typer.Context) -> str | None:  # type: ignore[override]
        return None


# Typer's names of the options' types, as Click names them.
CLICK_TYPE_NAMES = {
    "<int>": "INTEGER",
    "<int range>": "INTEGER",
    "<float>": "FLOAT",
    "<float range>": "FLOAT",
    "<str>": "TEXT",
    "<Path>": "PATH",
}


class _PlainOption(TyperOption):
    """An option whose help shows its metavar, else Click's name of its type (``INTEGER``), never
    Typer's Python type (``<int>``)."""

    def display_type_rich(self, ctx: typer.Context) -> str | None:  # type: ignore[override]  # (as above)
        if self.metavar is not None:
            return self.metavar
        shown = super().display_type_rich(ctx) or ""
        return CLICK_TYPE_NAMES.get(shown, shown.strip("<>").upper())


def plain_help(command: TyperCommand | TyperGroup) -> None:
    """Show ``command``'s arguments and options in its help as Click does, without Python types."""
    for param in command.params:
        if type(param) is TyperArgument:
            param.__class__ = _PlainArgument
        elif type(param) is TyperOption:
            param.__class__ = _PlainOption
