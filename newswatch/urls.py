"""Canonical URLs: the same article under tracking parameters, fragments, case, dot segments or
needless percent-escapes is one URL. Masked URLs: a URL's credentials are never stored or shown."""

from __future__ import annotations

import re
import string
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "ref",
        "ref_src",
        "cmpid",
        "ocid",
        "smid",
        "cid",
        "_ga",
    }
)
TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_")


UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
"""RFC 3986 §2.3: characters that mean the same escaped or not."""
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters,
    remaining query parameters sorted, and the path normalised as RFC 3986 §6.2.2 says without
    changing a path already in normal form (:func:`normal_path`)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:  # a port out of range ("h:99999"): kept as written; fetching it fails alone
        netloc = parts.netloc.rpartition("@")[2].lower()
    else:
        netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in TRACKING_PARAMETERS and not key.lower().startswith(TRACKING_PREFIXES)
    ]
    return urlunsplit((scheme, netloc, normal_path(parts.path), urlencode(sorted(query)), ""))


def normal_path(path: str) -> str:
    """``path`` with escaped unreserved characters decoded (``%7Euser`` → ``~user``) and then its
    dot segments removed (``/a/./b/../c`` → ``/a/c``; RFC 3986 §6.2.2.2-3); empty → ``/``; a path
    not starting with ``/`` (``mailto:a.b@c``) keeps its dots.

    Deliberately not done, because each would change how URLs already stored as canonical are
    spelled (a stored article would look new once): upper-casing escapes (``%e6`` stays), escaping
    non-ASCII characters (an IRI path stays as written) or decoding any other escape."""
    if "%" in path:
        path = _ESCAPE.sub(lambda m: c if (c := chr(int(m[1], 16))) in UNRESERVED else m[0], path)
    if path.startswith("/") and "." in path:
        return _without_dot_segments(path)
    return path or "/"


def _without_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4 for an absolute path: ``.`` dropped, ``..`` drops the segment before it."""
    segments = path.split("/")
    kept: list[str] = []
    for segment in segments[1:]:
        if segment == "..":
            if kept:
                kept.pop()
        elif segment != ".":
            kept.append(segment)
    ends_in_directory = segments[-1] in (".", "..") and bool(kept)
    return "/" + "/".join(kept) + ("/" if ends_in_directory else "")


MASK = "***"


def masked_url(url: str) -> str:
    """``url`` with the password of its userinfo replaced by ``***`` (``http://user:***@host/feed``);
    a user name alone (``https://TOKEN@host/``) is often a token, so it is masked whole.

    This is how a URL with credentials is stored, shown, logged and handed to Prefect; only the
    fetcher gets the real one, in memory (``FeedConfig.fetch_url``).
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL ("http://[::1/"): masked as text, and refused where it is used
        return mask_credentials(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if not at:
        return url
    user, colon, _ = userinfo.partition(":")
    return urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{hostport}" if colon else f"{MASK}@{hostport}"))


def without_credentials(url: str) -> str:
    """``url`` with no userinfo at all: how an entry link resolved against a feed's credentialed
    URL is fetched and stored (as an absolute link would be)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return mask_credentials(url)
    _, at, hostport = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=hostport)) if at else url


# scheme://userinfo@ in free text; userinfo ends at the last @ before the path, query or whitespace
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^\s/?#@]*(?:@[^\s/?#@]*)*)@")


def mask_credentials(text: str) -> str:
    """Every ``scheme://user:password@`` in ``text`` (a log line, an error message) masked as :func:`masked_url` does."""
    if "@" not in text:
        return text

    def masked(match: re.Match[str]) -> str:
        user, colon, _ = match.group("userinfo").partition(":")
        return f"{match.group('scheme')}{user}:{MASK}@" if colon else f"{match.group('scheme')}{MASK}@"

    return _USERINFO.sub(masked, text)
