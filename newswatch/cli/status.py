"""How a command ended: ``ExitStatus``, each member with its meaning, and the help epilog made
from them (the README lists the same words; a test holds them together)."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """How a command ended; ``meaning`` is what ``--help`` says of it."""

    SUCCESS = 0, "success"
    ERROR = (
        1,
        (
            "error, nothing done (a path that does not exist or holds nothing to read, bad configuration, "
            "a bad, missing, unreachable or unwritable database)"
        ),
    )
    USAGE = 2, "usage error (unknown command or option, bad value)"
    PARTIAL = (
        3,
        (
            "partial: the run completed, but some files, feeds, pages or articles failed, or some alerts "
            "or digests were not delivered (each is named; they are retried on the next run)"
        ),
    )
    BELOW_THRESHOLD = 4, "eval below a threshold"

    meaning: str

    def __new__(cls, code: int, meaning: str) -> ExitStatus:
        member = int.__new__(cls, code)
        member._value_ = code
        member.meaning = meaning
        return member


INTERRUPTED = 130  # the shell's code for a command stopped by Ctrl-C (128 + SIGINT)

EPILOG = "Exit codes: " + "; ".join(f"{status.value} {status.meaning}" for status in ExitStatus) + "."
