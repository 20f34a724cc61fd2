"""The commands that mute and unmute a topic or an event (``mute``, ``unmute``) and list the
mutes (``mutes``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import typer

from newswatch.cli.core import app
from newswatch.cli.options import JsonOption, global_options
from newswatch.cli.output import Columns, echo, show_list, when
from newswatch.errors import NewswatchError

if TYPE_CHECKING:
    from newswatch.app.muting import MuteListing

mute_app = typer.Typer(
    help="Mute a topic or an event: it is still monitored, classified and stored, but nothing is sent about it.",
    no_args_is_help=True,
)
app.add_typer(mute_app, name="mute")
unmute_app = typer.Typer(help="Send alerts about a muted topic or event again.", no_args_is_help=True)
app.add_typer(unmute_app, name="unmute")
UntilOption = Annotated[
    str | None,
    typer.Option("--until", metavar="DATE", help="Unmute by itself then: YYYY-MM-DD (00:00 UTC) or an ISO date-time."),
]


def _mute_end(until: str | None) -> dt.datetime | None:
    if until is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(until)
    except ValueError:
        raise typer.BadParameter(f"{until!r}: give YYYY-MM-DD or an ISO date-time", param_hint="--until") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    if moment <= dt.datetime.now(dt.UTC):
        raise typer.BadParameter(f"{until} is past", param_hint="--until")
    return moment.astimezone(dt.UTC)


def _until_text(end: dt.datetime | None) -> str:
    return f"until {when(end)}" if end else "until unmuted"


@mute_app.command("topic")
def mute_topic(
    ctx: typer.Context,
    topic: Annotated[str, typer.Argument(metavar="TOPIC", help="A topic id of topics.yaml.", show_default=False)],
    until: UntilOption = None,
) -> None:
    """Mute a topic: its articles and events are still stored and classified, but no alert and no
    digest section is sent for them. An event about this topic and an unmuted one still alerts.

    Example: newswatch mute topic taiwan --until 2026-12-01
    """
    from newswatch.app import muting
    from newswatch.settings import load_settings

    options = global_options(ctx)
    known = [t.id for t in load_settings(options.config).topics]
    if topic not in known:
        raise NewswatchError(f"no topic {topic!r} in topics.yaml (topics: {', '.join(known)})")
    end = _mute_end(until)
    muting.mute_topic(options.open_database(create=True), topic, end)  # (a topic can be muted before a first run)
    echo(f"Muted topic {topic} {_until_text(end)}: it is still monitored; nothing is sent about it.")


@mute_app.command("event")
def mute_event(
    ctx: typer.Context,
    event_id: Annotated[
        int, typer.Argument(metavar="ID", help="An event id (newswatch contacts).", show_default=False)
    ],
    until: UntilOption = None,
) -> None:
    """Mute an event's follow-ups: later reports joining it (a planned meeting reported held,
    refinements) send nothing, and digests leave it out.

    Example: newswatch mute event 12
    """
    from newswatch.app import muting

    end = _mute_end(until)
    if not muting.mute_event(global_options(ctx).open_database(), event_id, end):
        raise NewswatchError(f"no event #{event_id} (see newswatch contacts)")
    echo(f"Muted event #{event_id} {_until_text(end)}: its follow-ups send nothing.")


def _unmute(ctx: typer.Context, kind: str, target: str) -> None:
    from newswatch.app import muting

    if muting.unmute(global_options(ctx).open_database(), kind, target):
        echo(f"Unmuted {kind} {target}.")
    else:
        echo(f"{kind.capitalize()} {target} was not muted.")


@unmute_app.command("topic")
def unmute_topic(
    ctx: typer.Context,
    topic: Annotated[str, typer.Argument(metavar="TOPIC", help="A muted topic id.", show_default=False)],
) -> None:
    """Unmute a topic: alerts and digest sections about it are sent again (from now on).

    Example: newswatch unmute topic taiwan
    """
    _unmute(ctx, "topic", topic)


@unmute_app.command("event")
def unmute_event(
    ctx: typer.Context,
    event_id: Annotated[int, typer.Argument(metavar="ID", help="A muted event id.", show_default=False)],
) -> None:
    """Unmute an event: its follow-ups alert again (from now on).

    Example: newswatch unmute event 12
    """
    _unmute(ctx, "event", str(event_id))


def _mute_line(mute: MuteListing) -> str:
    target = f"#{mute.target}" if mute.kind == "event" else mute.target
    return f"{mute.kind} {target}: muted {_until_text(mute.until)}{'' if mute.active else ' (expired)'}"


_MUTE_COLUMNS: Columns[MuteListing] = (
    ("muted", lambda mute: mute.kind),
    ("target", lambda mute: f"#{mute.target}" if mute.kind == "event" else mute.target),
    ("since", lambda mute: when(mute.since)),
    ("until", lambda mute: when(mute.until) if mute.until else "for good"),
    ("state", lambda mute: "active" if mute.active else "expired"),
)


@app.command()
def mutes(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List muted topics and events, with when each mute ends (expired ones are shown as such).

    Example: newswatch mutes --json
    """
    from newswatch.app.muting import list_mutes

    show_list(
        list_mutes(global_options(ctx).open_database(), dt.datetime.now(dt.UTC)),
        as_json=as_json,
        text_of=_mute_line,
        columns=_MUTE_COLUMNS,
        empty="Nothing is muted.",
        ensure_ascii=True,
    )
