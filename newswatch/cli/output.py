"""Everything the command line prints goes through here: text made safe for a terminal (control
characters shown, not obeyed; no URL shows its credentials), JSON, the list commands' "JSON, a
table on a terminal, or one line per item elsewhere", and the wording shared by several commands."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from newswatch.model import MODE_LABELS, Participant, StoredEvent
from newswatch.terminal import terminal_safe, terminal_safe_json
from newswatch.urls import mask_credentials

if TYPE_CHECKING:
    from newswatch.app.alerting import Delivery

T = TypeVar("T")

# A list command's table: each column's header and how an item fills its cell.
Columns = Sequence[tuple[str, Callable[[T], object]]]


def echo(message: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Write a line of text to the terminal (stdout, or stderr with ``err``), made safe."""
    typer.echo(terminal_safe(mask_credentials(str(message))), err=err, nl=nl)


def echo_json(value: Any, *, ensure_ascii: bool = False) -> None:
    """Write ``value`` as JSON: valid JSON, with no raw control or bidi character in it."""
    typer.echo(terminal_safe_json(json.dumps(value, indent=2, ensure_ascii=ensure_ascii)))


def row_json(row: Any) -> dict[str, Any]:
    """A stored row (a named tuple) as JSON values: its dates and times in ISO 8601."""
    return {name: _iso(value) if isinstance(value, dt.date) else value for name, value in row._asdict().items()}


def _iso(moment: dt.date) -> str:
    """ISO 8601, a time to the second (stored microseconds are noise to a reader)."""
    return moment.isoformat(timespec="seconds") if isinstance(moment, dt.datetime) else moment.isoformat()


def when(moment: dt.datetime | dt.date | None) -> str:
    """A time as people read it in a list: ``2026-12-01 14:30 UTC``, a day as ``2026-12-01``, ``never``."""
    if moment is None:
        return "never"
    if isinstance(moment, dt.datetime):
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return moment.isoformat()


def show_list(
    items: Sequence[T],
    *,
    as_json: bool,
    text_of: Callable[[T], str],
    json_of: Callable[[T], Any] = row_json,
    columns: Columns[T] = (),
    empty: str | None = None,
    ensure_ascii: bool = False,
    on_terminal: bool | None = None,
) -> None:
    """What a list command prints: a JSON list; on a terminal, a table of ``columns``; elsewhere
    (a pipe, a file, a test) each item's text, one item per line as scripts expect (``empty``
    when there are none). ``on_terminal`` defaults to whether stdout is one."""
    if as_json:
        echo_json([json_of(item) for item in items], ensure_ascii=ensure_ascii)
        return
    if not items and empty is not None:
        echo(empty)
        return
    if columns and (sys.stdout.isatty() if on_terminal is None else on_terminal):
        _print_table(items, columns)
        return
    for item in items:
        echo(text_of(item))


def _print_table(items: Sequence[T], columns: Columns[T]) -> None:
    """``items`` as a rich table as wide as the terminal, long cells folded. Cells are plain text
    (rich markup in a title is shown, not obeyed) made safe like every other output."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for header, _ in columns:
        table.add_column(header, overflow="fold", min_width=len(header))  # (a header is never folded)
    for item in items:
        table.add_row(*(Text(terminal_safe(mask_credentials(str(cell(item))))) for _, cell in columns))
    Console(file=sys.stdout, highlight=False).print(table)


def contact_text(day: dt.date, mode: str, location: str | None, participants: Sequence[Participant]) -> str:
    """A contact in one line: its day, mode, place and participants."""
    where = f" in {location}" if location else ""
    names = " – ".join(f"{p.name} ({p.office})" for p in participants)
    return f"{day.isoformat()} {MODE_LABELS[mode]}{where}: {names}"


def event_line(event: StoredEvent) -> str:
    """A stored event in one line: its id, the contact, and whether it is planned or newly reported."""
    notes = [note for note, on in (("planned", event.status == "planned"), ("newly reported", event.historical)) if on]
    suffix = f" ({', '.join(notes)})" if notes else ""
    return f"#{event.id} {contact_text(event.date, event.mode, event.location, event.participants)}{suffix}"


def undelivered(delivery: Delivery) -> str:
    """Why an alert was not delivered, and what happens to it next, by its stored status."""
    next_step = {
        "failed": "will retry next run",
        "dead": f"gave up; `newswatch alerts retry {delivery.alert_id}` resends it",
    }.get(delivery.status)  # "unknown": the error says whether it is resent once more
    return f"{delivery.error} ({next_step})" if next_step else f"{delivery.error}"
