"""Progress of long steps: the pipeline reports, the command line shows.

Pure pipeline functions take an ``on_progress(stage, done, total)`` hook, by default
``report_progress``, which hands the report to whatever display the command line installed with
``showing_progress`` (nothing when none is, as in ``serve`` or a worker). Flows run in the
command's process, so their steps report through the same hook, not through Prefect's logs.

On a terminal the display is a rich progress bar on stderr that disappears when done; otherwise
it is a few plain lines on stderr (every tenth of the way). Either way stdout, which carries the
results and ``--json``, is untouched. Steps with fewer than ``min_total`` items show nothing.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Protocol, TypeVar

T = TypeVar("T")
ProgressHook = Callable[[str, int, int], None]
MIN_TOTAL = 20  # a step this small ends before a bar would help


class Display(Protocol):
    def update(self, stage: str, done: int, total: int) -> None: ...
    def close(self) -> None: ...


_display: Display | None = None
_lock = threading.Lock()


def report_progress(stage: str, done: int, total: int) -> None:
    """Report that ``done`` of ``total`` items of ``stage`` are finished (thread-safe)."""
    display = _display
    if display is not None:
        with _lock:
            display.update(stage, done, total)


def tracked(items: Sequence[T], stage: str, on_progress: ProgressHook = report_progress) -> Iterator[T]:
    """The items, reporting each one done after the caller has handled it."""
    total = len(items)
    for done, item in enumerate(items, 1):
        yield item
        on_progress(stage, done, total)


class PlainLines:
    """Progress as plain lines, for logs and pipes: ``Classifying: 130/1300 (10%)``."""

    def __init__(self, stream: IO[str], min_total: int = MIN_TOTAL) -> None:
        self.stream, self.min_total = stream, min_total
        self._shown: dict[str, int] = {}  # stage → last tenth printed

    def update(self, stage: str, done: int, total: int) -> None:
        if total < self.min_total or total <= 0:
            return
        tenth = done * 10 // total
        if tenth > self._shown.get(stage, 0) or (done == total and self._shown.get(stage) != 10):
            self._shown[stage] = tenth
            print(f"{stage}: {done}/{total} ({done * 100 // total}%)", file=self.stream, flush=True)

    def close(self) -> None:
        self._shown.clear()


class RichBar:
    """Progress as a rich bar per stage, removed when the command ends (transient)."""

    def __init__(self, console: object | None = None, min_total: int = MIN_TOTAL) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.min_total = min_total
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            # soft_wrap: what the command prints meanwhile (redirected above the bar) keeps its lines
            console=console if isinstance(console, Console) else Console(stderr=True, soft_wrap=True),
            transient=True,
        )
        self._tasks: dict[str, object] = {}
        self._progress.start()

    def update(self, stage: str, done: int, total: int) -> None:
        if total < self.min_total:
            return
        if stage not in self._tasks:
            self._tasks[stage] = self._progress.add_task(stage, total=total)
        self._progress.update(self._tasks[stage], completed=done, total=total)  # type: ignore[arg-type]

    def close(self) -> None:
        self._progress.stop()


def _on_terminal() -> bool:
    return sys.stdout.isatty() and sys.stderr.isatty()


@contextmanager
def showing_progress(display: Display | None = None) -> Iterator[Display]:
    """Show the progress reported inside the block: ``display``, else a rich bar when stdout and
    stderr are terminals, else plain lines on stderr."""
    global _display
    chosen = display or (RichBar() if _on_terminal() else PlainLines(sys.stderr))
    previous, _display = _display, chosen
    try:
        yield chosen
    finally:
        _display = previous
        chosen.close()


def step_counter(stage: str, total: int, on_progress: ProgressHook = report_progress) -> Callable[[object], None]:
    """A callback to call once per finished item of ``stage`` (from any thread): it counts and
    reports ``done`` of ``total``."""
    done = 0
    count_lock = threading.Lock()

    def finished(_: object) -> None:
        nonlocal done
        with count_lock:
            done += 1
            count = done
        on_progress(stage, count, total)

    return finished


class GrowingCount:
    """``step_counter`` for a stage whose total grows as the work finds more (from any thread):
    ``add(n)`` when more is found, a call per finished item."""

    def __init__(self, stage: str, on_progress: ProgressHook = report_progress) -> None:
        self.stage, self.on_progress = stage, on_progress
        self.done = self.total = 0
        self._lock = threading.Lock()

    def add(self, more: int) -> None:
        with self._lock:
            self.total += more

    def __call__(self, _: object) -> None:
        with self._lock:
            self.done += 1
            done, total = self.done, self.total
        self.on_progress(self.stage, done, total)
