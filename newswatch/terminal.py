"""Text from strangers made inert for a terminal (and for any reader): control characters shown, not obeyed.

Feed titles, error texts, HTTP headers and file names come from outside. An ESC sequence in one
could retitle the operator's terminal window, clear the screen or rewrite what was printed; a C1
control (``\\x9b`` is CSI on many terminals) does the same in one byte; a bidi override
(U+202E) reorders what the operator reads. They are shown escaped (``\\x1b``) instead: nothing is
lost, and the operator sees that something odd was there. Newline and tab stay as they are.
"""

from __future__ import annotations

import logging
import re

from newswatch.urls import mask_credentials

# C0 controls but tab and newline, DEL, C1 controls, and the bidi marks, embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _shown(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def _json_escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def terminal_safe(text: str) -> str:
    """``text`` with every control character and bidi control shown as an escape (``\\x1b``, ``\\u202e``)."""
    return _UNSAFE.sub(_shown, text)


def terminal_safe_json(document: str) -> str:
    """A JSON document with the characters ``json.dumps(..., ensure_ascii=False)`` leaves raw (C1
    controls, bidi controls) written as JSON escapes: still the same JSON, inert on a terminal.

    (They can only occur inside strings: JSON's own syntax is ASCII.)
    """
    return _UNSAFE.sub(_json_escaped, document)


def make_log_records_safe() -> None:
    """Make every log record of this process safe to show, whichever library logs it and
    wherever it goes (the terminal with ``--debug``, Prefect's API): URL credentials masked
    (httpx logs each request's URL, userinfo included), control characters shown. Idempotent."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "makes_records_safe", False):
        return

    def record(*args: object, **kwargs: object) -> logging.LogRecord:
        created = factory(*args, **kwargs)
        try:
            message = created.getMessage()
        except Exception:  # a malformed record is the logging module's to report, as before
            return created
        safe = terminal_safe(mask_credentials(message))
        if safe != message:
            created.msg, created.args = safe, ()
        return created

    record.makes_records_safe = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(record)
