"""robots.txt read as RFC 9309 says (protego): the group of our product token, ``*`` and ``$`` in
paths, the longest matching rule deciding (Allow winning a tie). Fetching it, and what a missing or
unreachable robots.txt means, is ``newswatch.fetch``'s part."""

from __future__ import annotations

from protego import Protego

ROBOTS_PARSE_BYTES = 512_000
"""RFC 9309 §2.5: a crawler's parsing limit must be at least 500 KiB; what follows it is ignored."""
ROBOTS_MAX_BYTES = 4 * 1024 * 1024
"""A robots.txt larger than this is not read at all (the site is then treated as unreachable)."""


def product_token(user_agent: str) -> str:
    """The name robots.txt groups are matched against: ``newswatch`` for ``newswatch/1.2 (…)``
    (RFC 9309 §2.2.1: the product token, without its version or comments)."""
    return user_agent.split("/", 1)[0].split(None, 1)[0] if user_agent.strip() else user_agent


def parse_robots(body: bytes) -> Protego:
    """A robots.txt body's rules (UTF-8; undecodable bytes replaced, as lines of them match
    nothing); of a large one, the lines within its first ROBOTS_PARSE_BYTES."""
    if len(body) > ROBOTS_PARSE_BYTES:
        body = body[: body.rfind(b"\n", 0, ROBOTS_PARSE_BYTES) + 1]
    return Protego.parse(body.decode("utf-8", errors="replace"))


def robots_allow(rules: Protego, url: str, user_agent: str) -> bool:
    """Whether ``rules`` let ``user_agent`` fetch ``url`` (its path and query; RFC 9309 §2.2.2)."""
    return rules.can_fetch(url, product_token(user_agent))
