"""The report's charts: a timeline of contacts and the articles per topic per week or month, each
an inline ``<svg>`` drawn by matplotlib (text kept as text, ids scoped per chart, no date in the
file: the same data gives the same chart). Pure: ``newswatch.report`` places them in the page.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from newswatch.model import MODE_LABELS

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.text import Annotation
    from matplotlib.transforms import Bbox

    from newswatch.report import ReportEvent, TopicBins

# Okabe–Ito colours: distinguishable with the common colour-vision deficiencies, and in greyscale print.
MODE_COLOURS = {
    "meeting": "#0072B2",
    "video_call": "#E69F00",
    "phone_call": "#009E73",
    "unspecified": "#CC79A7",
}
OTHER_MODE_COLOUR = "#7F7F7F"
# Marker shape and area (pt²) per level: a senior contact is the big round dot.
LEVEL_MARKERS = {"senior": ("o", 150.0), "working": ("D", 60.0)}
# Where a marker's label goes, in points from the marker: above it, else below it.
LABEL_OFFSETS = ((0.0, 10.0), (0.0, -18.0))
TOPIC_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
CHART_WIDTH_INCHES = 10.0
# Text stays text in the SVG (svg.fonttype none): no glyph outlines, no font file, and the browser
# draws it with a local font. Matplotlib lays the text out with DejaVu Sans, so it is named first.
CHART_STYLE: dict[str, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "newswatch",  # reproducible ids (scoped per chart by _svg)
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
    "font.size": 10,
    "axes.edgecolor": "#9aa1ab",
    "axes.labelcolor": "#39414d",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": "#39414d",
    "ytick.color": "#39414d",
    "grid.color": "#e3e6ea",
    "grid.linewidth": 0.8,
}
# No creation date or generator URL in the SVG: the same data gives the same chart.
SVG_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
_SVG_ID = re.compile(r'(\bid="|href="#|url\(#)([^")]+)')


def _plain(text: str) -> str:
    """Text for a matplotlib label, shown as is: a ``$`` would start mathtext."""
    return text.replace("$", r"\$")


def mode_label(mode: str) -> str:
    """How a mode is named to a reader: ``video call``, ``talks``."""
    return MODE_LABELS.get(mode, mode.replace("_", " "))


@contextmanager
def _chart_style() -> Iterator[None]:
    """Matplotlib's settings for the report's charts, for this block only (no global state)."""
    import matplotlib

    with matplotlib.rc_context(CHART_STYLE):  # type: ignore[arg-type]  # matplotlib's stubs want literal keys
        yield


def _svg(figure: Figure, scope: str, label: str) -> str:
    """The figure as an inline ``<svg>`` element, its ids prefixed with ``scope`` so that two
    charts in one page never share an id."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata=SVG_METADATA)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML declaration and DOCTYPE: not allowed inline in HTML
    svg = _SVG_ID.sub(lambda m: f"{m.group(1)}{scope}-{m.group(2)}", svg)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(label)}" class="chart" ', 1)


def timeline_svg(events: Sequence[ReportEvent], today: dt.date | None = None) -> str | None:
    """A timeline of contacts: one row per pair of participants, colour for the mode, marker
    for the level, hollow for a planned meeting, each labelled with its event number.

    Returns:
        An ``<svg>`` element, or None when there is no event.
    """
    if not events:
        return None
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure

    # The pair most recently in contact on top.
    latest: dict[str, dt.date] = {}
    for item in events:
        latest[item.pair] = max(latest.get(item.pair, item.event.date), item.event.date)
    lanes = sorted(latest, key=lambda pair: (latest[pair], pair))
    row = {pair: index for index, pair in enumerate(lanes)}

    with _chart_style():
        height = min(1.9 + 0.5 * len(lanes), 9.0)
        figure = Figure(figsize=(CHART_WIDTH_INCHES, height), layout="constrained")
        axes = figure.add_subplot()
        labels: list[tuple[tuple[int, dt.date], Annotation, str, str]] = []
        for item in events:
            event = item.event
            colour = MODE_COLOURS.get(event.mode, OTHER_MODE_COLOUR)
            marker, size = LEVEL_MARKERS.get(event.level, LEVEL_MARKERS["senior"])
            planned = event.status == "planned"
            axes.scatter(
                [event.date],  # type: ignore[arg-type]  # matplotlib converts dates (its date units)
                [row[item.pair]],
                s=size,
                marker=marker,
                facecolors="white" if planned else colour,
                edgecolors=colour,
                linewidths=2.0,
                zorder=3,
            )
            label = axes.annotate(
                "",
                (mdates.date2num(event.date), row[item.pair]),
                xytext=LABEL_OFFSETS[0],
                textcoords="offset points",
                ha="center",
                fontsize=8.5,
                color="#4a5260",
            )
            label.set_in_layout(False)  # placed once the layout is known, below
            labels.append(
                ((row[item.pair], event.date), label, f"#{event.id} · {event.date.isoformat()}", f"#{event.id}")
            )
        first = min(item.event.date for item in events)
        last = max(item.event.date for item in events)
        padding = dt.timedelta(days=max(14, (last - first).days // 10))
        axes.set_xlim(first - padding, last + padding)  # type: ignore[arg-type]  # matplotlib converts dates
        if today is not None and first - padding < today < last + padding:
            axes.axvline(today, color="#9aa1ab", linestyle="--", linewidth=1, zorder=1)  # type: ignore[arg-type]  # matplotlib converts dates
            axes.annotate(
                "today",
                (mdates.date2num(today), 1.0),
                xycoords=axes.get_xaxis_transform(),  # above the plot, where no label goes
                ha="center",
                va="bottom",
                fontsize=8,
                color="#6b7280",
            )
        axes.set_ylim(-0.6, len(lanes) - 0.4)
        axes.set_yticks(range(len(lanes)), [_plain(pair) for pair in lanes])
        axes.tick_params(axis="y", length=0)
        axes.grid(axis="x")
        for index in range(len(lanes)):
            axes.axhline(index, color="#eef0f3", linewidth=1, zorder=0)
        locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        axes.spines["left"].set_visible(False)

        handles, legend = _timeline_legend(events)
        figure.legend(handles, legend, loc="outside lower center", ncols=min(len(handles), 7), frameon=False)
        _place_labels(figure, [label[1:] for label in sorted(labels, key=lambda label: label[0])])
        return _svg(figure, "timeline", "Timeline of contacts by date, coloured by mode")


def _timeline_legend(events: Sequence[ReportEvent]) -> tuple[list[Line2D], list[str]]:
    """Legend entries for the modes, levels and statuses present."""
    from matplotlib.lines import Line2D

    handles, labels = [], []
    for mode in _present(events, lambda e: e.mode, MODE_COLOURS):
        colour = MODE_COLOURS.get(mode, OTHER_MODE_COLOUR)
        handles.append(Line2D([], [], linestyle="", marker="o", markersize=9, color=colour))
        labels.append(_plain(mode_label(mode)))
    for level in _present(events, lambda e: e.level, LEVEL_MARKERS):
        marker, size = LEVEL_MARKERS.get(level, LEVEL_MARKERS["senior"])
        handles.append(Line2D([], [], linestyle="", marker=marker, markersize=size**0.5 * 0.75, color="#6b7280"))
        labels.append(_plain(f"{level} level"))
    if any(item.event.status == "planned" for item in events):
        handles.append(Line2D([], [], linestyle="", marker="o", markersize=9, markerfacecolor="white", color="#6b7280"))
        labels.append("planned (not yet held)")
    return handles, labels


def _place_labels(figure: Figure, labels: Sequence[tuple[Annotation, str, str]]) -> None:
    """Put each marker's label where it overlaps no label placed before it: above the marker,
    else below, else the event number alone above or below; in a crowd, no label at all rather
    than an unreadable one."""
    figure.draw_without_rendering()  # lays the figure out, so that text extents are final
    placed: list[Bbox] = []
    for annotation, full, short in labels:
        for text, offset in itertools.product((full, short), LABEL_OFFSETS):
            annotation.set_text(text)
            annotation.xyann = offset
            extent = annotation.get_window_extent()
            if not any(extent.overlaps(other) for other in placed):
                placed.append(extent)
                break
        else:
            annotation.set_visible(False)


def _present(events: Sequence[ReportEvent], key: Any, known: Mapping[str, Any]) -> list[str]:
    """The values of ``key`` among the events, in ``known``'s order, unknown ones after."""
    values = {key(item.event) for item in events}
    return [v for v in known if v in values] + sorted(values - set(known))


def topic_volume_svg(bins: TopicBins, topic_names: Mapping[str, str]) -> str | None:
    """Articles per topic per week or month: one small bar chart per topic, on a shared time
    axis, so that topics with the same counts do not hide one another.

    Returns:
        An ``<svg>`` element, or None when no article matched a topic.
    """
    if not bins.starts or not bins.series:
        return None
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    ends = [*bins.starts[1:], bins.next_start(bins.starts[-1])]
    # A bar spans the middle of its bin, narrower than the bin so that neighbours stay apart.
    lengths = [(end - start).days for start, end in zip(bins.starts, ends, strict=True)]
    middles = [mdates.date2num(start) + length / 2 for start, length in zip(bins.starts, lengths, strict=True)]
    widths = [length * 0.78 for length in lengths]
    with _chart_style():
        figure = Figure(figsize=(CHART_WIDTH_INCHES, min(0.7 + 1.15 * len(bins.series), 14.0)), layout="constrained")
        panels = figure.subplots(len(bins.series), 1, sharex=True, squeeze=False)[:, 0]
        top = max(max(counts) for counts in bins.series.values())
        for index, (panel, (topic, counts)) in enumerate(zip(panels, bins.series.items(), strict=True)):
            colour = TOPIC_COLOURS[index % len(TOPIC_COLOURS)]
            panel.bar(middles, counts, width=widths, color=colour)
            panel.set_title(
                _plain(f"{topic_names.get(topic, topic)} · {sum(counts)}"),
                loc="left",
                fontsize=10,
                fontweight="bold",
                color="#1d2330",
            )
            panel.set_ylim(0, top * 1.1)
            panel.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
            panel.grid(axis="y")
            panel.set_axisbelow(True)
        margin = lengths[0] * 0.6
        panels[0].set_xlim(mdates.date2num(bins.starts[0]) - margin, mdates.date2num(ends[-1]) + margin)
        locator = mdates.AutoDateLocator(minticks=4, maxticks=12)
        panels[-1].xaxis.set_major_locator(locator)
        panels[-1].xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        figure.supylabel(f"articles per {bins.unit}", fontsize=9.5, color="#39414d")
        return _svg(figure, "topics", f"Articles per topic per {bins.unit}")
