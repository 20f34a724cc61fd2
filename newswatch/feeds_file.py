"""Adding feeds to a ``feeds.yaml`` text, keeping everything else in it as it was (pure: text in,
text out).

ruamel.yaml's round-trip mode keeps the file's comments, key order, quoting and indentation (its
indentation is measured first), so that an import appends entries and changes nothing else; a
hand-edited file stays the user's file.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.util import load_yaml_guess_indent

from newswatch.errors import ConfigError

EMPTY_FEEDS_FILE = (
    "# Feeds polled besides the shipped ones (merged by url); the shipped config/feeds.yaml shows every field.\n"
    "feeds: []\n"
)


def add_feeds(text: str, feeds: Sequence[dict[str, Any]], source: str) -> str:
    """``text`` (a feeds.yaml) with ``feeds`` appended to its ``feeds:`` list.

    Args:
        text: the file as it is; comments, order and layout are kept.
        feeds: the entries to add (``name``, ``url``…), in order.
        source: how to name the file in an error.

    Raises:
        ConfigError: the text is not YAML, or its ``feeds`` is not a list.
    """
    try:
        data, indent, block_seq_indent = load_yaml_guess_indent(text)
    except YAMLError as exc:
        raise ConfigError(f"{source}: invalid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if data is None:
        data = CommentedMap()
    if not isinstance(data, CommentedMap):
        raise ConfigError(f"{source}: expected a mapping at the top level")
    listed = data.get("feeds")
    if listed is None:
        listed = data["feeds"] = CommentedSeq()
    if not isinstance(listed, CommentedSeq):
        raise ConfigError(f"{source}: feeds: expected a list")
    if not listed:  # "feeds: []" written as a block list from now on
        listed.fa.set_block_style()
    for feed in feeds:
        listed.append(CommentedMap(feed))
    yaml = YAML()  # round-trip
    yaml.preserve_quotes = True
    yaml.width = 4096  # long URLs stay on one line
    # As measured: ``indent`` from a list's start to its items' keys, ``offset`` to its dashes.
    offset = block_seq_indent or 0
    sequence = indent or 2
    yaml.indent(mapping=max(2, sequence - offset), sequence=max(sequence, offset + 2), offset=offset)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()
