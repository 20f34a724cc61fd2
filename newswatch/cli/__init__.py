"""The ``newswatch`` command line: a thin shell over ``newswatch.app``.

``core`` is the top-level command and its global options, ``status`` the exit codes, ``errors``
how an error becomes one, ``output`` everything printed; the commands are grouped by what they
do: ``pipeline`` (replay, run, serve), ``server`` (server start/stop/status), ``classification`` (classify, eval), ``browse``
(contacts, alerts, articles, report), ``feeds`` (feeds, feeds check/forget/import/export),
``delivery`` (alerts retry, digest), ``notify`` (notify test), ``mutes`` (mute, unmute,
mutes) and ``database`` (db upgrade).
"""

# Imported for their commands, in the order --help lists them.
from newswatch.cli import pipeline, server, classification, browse, feeds, delivery, notify, mutes, database  # noqa: F401  # isort: skip
from newswatch.cli.core import app, main
from newswatch.cli.status import ExitStatus

__all__ = ["ExitStatus", "app", "main"]
