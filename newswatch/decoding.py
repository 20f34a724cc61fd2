"""Response bodies decoded as they stream, under a size cap.

The cap is counted as the body is decoded, layer by layer (gzip, deflate, up to
MAX_ENCODING_LAYERS of them), so that at most the cap + 1 decoded bytes ever exist: a gzip bomb is
cut short before its memory is spent. httpx's own decoding would inflate a whole network read
through every layer before a byte could be counted (a 7 KB gzip-of-gzip is gigabytes).
"""

from __future__ import annotations

import typing
import zlib
from collections.abc import Callable, Iterable, Iterator

MAX_ENCODING_LAYERS = 3
"""More Content-Encoding layers than this are refused: no honest server stacks more than two."""
_INPUT_CHUNK = 16_384  # compressed bytes handed to one decoder at a time
_OUTPUT_CHUNK = 65_536  # decoded bytes asked of the outermost layer at a time


class MalformedBody(Exception):
    """A body that cannot be decoded as its Content-Encoding says."""


class BodyTooLarge(Exception):
    """A body over the cap, received or decoded."""


class _Reader(typing.Protocol):
    def read(self, limit: int) -> bytes: ...


class _RawBody:
    """The body as received, as ``read(limit)`` calls."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def read(self, limit: int) -> bytes:
        while not self._buffer:
            chunk = next(self._chunks, None)
            if chunk is None:
                return b""
            self._buffer = chunk
        piece, self._buffer = self._buffer[:limit], self._buffer[limit:]
        return piece


class _Inflater:
    """One gzip or deflate layer decoded on demand: ``read(limit)`` returns at most ``limit``
    bytes, and zlib's ``max_length`` keeps the rest compressed (``unconsumed_tail``) until asked
    for, so a layer never holds more than one input chunk and one output piece."""

    def __init__(self, source: _Reader, coding: str) -> None:
        self._source = source
        self._coding = coding
        self._decoder: typing.Any = None  # zlib's Decompress object (no public type)
        self._pending = b""
        self._finished = False

    def read(self, limit: int) -> bytes:
        try:
            return self._read(limit)
        except zlib.error as exc:
            raise MalformedBody(f"cannot decode its {self._coding} layer ({exc})") from None

    def _read(self, limit: int) -> bytes:
        while not self._finished:
            if self._decoder is None or self._decoder.eof:
                self._start_member()
                continue
            out = self._decoder.decompress(self._pending, limit)
            self._pending = self._decoder.unused_data if self._decoder.eof else self._decoder.unconsumed_tail
            if out:
                return out
            if not self._decoder.eof and not self._pending:
                self._pending = self._source.read(_INPUT_CHUNK)
                if not self._pending:  # cut short: what was decoded is the body, as httpx had it
                    self._finished = True
        return b""

    def _start_member(self) -> None:
        """Start the stream, or (gzip) its next member; bytes after the end that do not start one
        are ignored, as browsers do."""
        while len(self._pending) < 2:
            more = self._source.read(_INPUT_CHUNK)
            if not more:
                break
            self._pending += more
        first = self._pending[:2]
        if self._coding == "gzip":
            wbits = 16 + zlib.MAX_WBITS
            starts = first == b"\x1f\x8b" or (self._decoder is None and bool(first))
        else:  # deflate is zlib-wrapped by the RFC, raw in some servers: the header tells
            wbits = zlib.MAX_WBITS if len(first) == 2 and _is_zlib_header(first) else -zlib.MAX_WBITS
            starts = self._decoder is None and bool(first)
        if not starts:
            self._finished = True
            return
        self._decoder = zlib.decompressobj(wbits)


def _is_zlib_header(first: bytes) -> bool:
    return first[0] & 0x0F == 8 and first[0] >> 4 <= 7 and (first[0] << 8 | first[1]) % 31 == 0


_CODINGS = {"gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate"}


def content_codings(header: str) -> list[str]:
    """The decoders for a Content-Encoding value, in the order they were applied.

    Raises:
        ValueError: an encoding newswatch does not decode, or more than MAX_ENCODING_LAYERS.
    """
    codings = [c.strip().lower() for c in header.split(",")]
    codings = [c for c in codings if c and c != "identity"]
    for coding in codings:
        if coding not in _CODINGS:
            raise ValueError(f"unsupported Content-Encoding {coding[:40]!r} (newswatch asks for gzip or deflate)")
    if len(codings) > MAX_ENCODING_LAYERS:
        raise ValueError(f"{len(codings)} layers of Content-Encoding (at most {MAX_ENCODING_LAYERS} are decoded)")
    return [_CODINGS[c] for c in codings]


def decode_body(
    raw_chunks: Iterable[bytes], codings: list[str], max_bytes: int, after_piece: Callable[[], None]
) -> bytes:
    """The body, undoing ``codings`` (from ``content_codings``) on ``raw_chunks`` as it is read.

    ``after_piece`` is called after each decoded piece is counted (the fetcher checks its deadline
    there, and raises to stop).

    Raises:
        BodyTooLarge: more than ``max_bytes`` received or decoded.
        MalformedBody: a layer cannot be decoded.
    """

    def capped(chunks: Iterable[bytes]) -> Iterator[bytes]:
        received = 0
        for chunk in chunks:
            received += len(chunk)
            if received > max_bytes:  # compressed and already over: decoded can only be larger
                raise BodyTooLarge(f"body is over the {max_bytes:,}-byte limit")
            yield chunk

    reader: _Reader = _RawBody(capped(raw_chunks))
    for coding in reversed(codings):  # the last encoding applied is the first to undo
        reader = _Inflater(reader, coding)
    pieces: list[bytes] = []
    size = 0
    while piece := reader.read(min(_OUTPUT_CHUNK, max_bytes + 1 - size)):
        size += len(piece)
        if size > max_bytes:
            raise BodyTooLarge(f"body is over the {max_bytes:,}-byte limit")
        after_piece()
        pieces.append(piece)
    return b"".join(pieces)
