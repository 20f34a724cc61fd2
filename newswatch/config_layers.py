"""Configuration layers: the shipped file, the user's override file, then the environment.

Pure functions over parsed YAML (no I/O): ``newswatch.settings`` reads the files and the
environment, merges them here and validates the result once.

How a layer merges into the one below it:
    mappings        key by key, recursively: a file naming ``monitor: {concurrency: 4}`` changes
                    that key only
    keyed lists     the top-level lists of records (``topics`` and ``officials`` by ``id``,
                    ``feeds`` by ``url``): an entry whose key is already there is merged into that
                    entry, a new one is appended
    anything else   (other lists, scalars) replaced whole
    ``replace_shipped: true`` at the top of an override file makes it replace the file below whole.

Every value keeps where it came from (``Merged.origin_of``), so that a validation error names the
file, or the ``NEWSWATCH_…`` variable, and the key as written there.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel

from newswatch.errors import ConfigError

Path_ = tuple[str | int, ...]  # a key path: ("topics", 0, "threshold")

ENV_PREFIX = "NEWSWATCH_"
ENV_SEPARATOR = "__"
REPLACE_KEY = "replace_shipped"
# The lists of records that merge entry by entry, and the key that identifies an entry.
KEYED_LISTS: dict[str, dict[Path_, str]] = {
    "topics.yaml": {("topics",): "id"},
    "officials.yaml": {("officials",): "id"},
    "feeds.yaml": {("feeds",): "url"},
}
_NONE_WORDS = ("", "null", "none")


@dataclass(frozen=True)
class Layer:
    """One source of values: ``source`` is a file path or ``$NEWSWATCH_…``; ``data`` its mapping."""

    source: str
    data: dict[str, Any]


@dataclass
class Merged:
    """Layers merged into one mapping, remembering which layer set which value.

    ``replaced`` maps a key path of ``data`` to the (source, key path there) that set it whole;
    ``touched`` maps a mapping or keyed list that layers merged into to the last such layer.
    Anything else is the base layer's, at the same path.
    """

    base_source: str
    data: dict[str, Any]
    replaced: dict[Path_, tuple[str, Path_]] = field(default_factory=dict)
    touched: dict[Path_, tuple[str, Path_]] = field(default_factory=dict)

    def origin_of(self, path: Path_) -> tuple[str, Path_]:
        """The source that set the value at ``path``, and that value's key path there."""
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.replaced:
                source, there = self.replaced[path[:cut]]
                return source, there + path[cut:]
        if path in self.touched:
            return self.touched[path]
        return self.base_source, path

    def _replace(self, path: Path_, source: str, there: Path_) -> None:
        for stale in [p for p in self.replaced if p[: len(path)] == path]:
            del self.replaced[stale]
        self.replaced[path] = (source, there)


def merge_layers(base: Layer, overrides: list[Layer], keyed_lists: Mapping[Path_, str] | None = None) -> Merged:
    """``base`` with each of ``overrides`` merged over it, in order (see the module docstring).

    Raises:
        ConfigError: an override's ``replace_shipped`` is not true or false.
    """
    merged = Merged(base.source, base.data)
    for layer in overrides:
        data = dict(layer.data)
        replace = data.pop(REPLACE_KEY, False)
        if not isinstance(replace, bool):
            raise ConfigError(f"{layer.source}: {REPLACE_KEY}: expected true or false, got {replace!r}")
        if replace:
            merged.data = data
            merged._replace((), layer.source, ())
            merged.touched.clear()
        else:
            merged.data = _merge(merged.data, data, (), (), layer.source, merged, keyed_lists or {})
    return merged


def _merge(below: Any, above: Any, path: Path_, there: Path_, source: str, merged: Merged, keyed: Mapping) -> Any:
    """``above`` merged over ``below``; ``path`` is where they sit in the result, ``there`` in ``source``."""
    if isinstance(below, dict) and isinstance(above, dict):
        merged.touched[path] = (source, there)
        result = dict(below)
        for key, value in above.items():
            if key in below:
                result[key] = _merge(below[key], value, (*path, key), (*there, key), source, merged, keyed)
            else:
                result[key] = value
                merged._replace((*path, key), source, (*there, key))
        return result
    if path in keyed and isinstance(below, list) and isinstance(above, list):
        merged.touched[path] = (source, there)
        return _merge_keyed(below, above, keyed[path], path, there, source, merged, keyed)
    merged._replace(path, source, there)
    return above


def _merge_keyed(
    below: list[Any], above: list[Any], key: str, path: Path_, there: Path_, source: str, merged: Merged, keyed: Mapping
) -> list[Any]:
    """Entries of ``above`` merged into the entry of ``below`` with the same ``key``, or appended.

    An entry whose key repeats one of ``above``'s own is appended, so that the repeat is refused
    by validation rather than silently merged.
    """
    result = list(below)
    position = {entry.get(key): index for index, entry in enumerate(below) if isinstance(entry, dict)}
    seen: set[Any] = set()
    for index, entry in enumerate(above):
        identity = entry.get(key) if isinstance(entry, dict) else None
        at = position.get(identity) if identity is not None and identity not in seen else None
        seen.add(identity)
        if at is None:
            result.append(entry)
            merged._replace((*path, len(result) - 1), source, (*there, index))
        else:
            result[at] = _merge(below[at], entry, (*path, at), (*there, index), source, merged, keyed)
    return result


# --- the environment ------------------------------------------------------------------------


# Older names of three monitor settings, kept working: each stands for the setting it names (which
# wins when both are set), and an error about it names the variable the user set.
ENV_ALIASES = {
    "NEWSWATCH_TASK_RUNNER": "NEWSWATCH_MONITOR__TASK_RUNNER",
    "NEWSWATCH_DASK_ADDRESS": "NEWSWATCH_MONITOR__DASK_ADDRESS",
    "NEWSWATCH_ALLOW_PRIVATE_NETWORKS": "NEWSWATCH_MONITOR__ALLOW_PRIVATE_NETWORKS",
}


def environment_layers(environ: Mapping[str, str], model: type[BaseModel]) -> list[Layer]:
    """One layer per ``NEWSWATCH_<KEY>`` or ``NEWSWATCH_<SECTION>__<KEY>[__…]`` variable that names
    a field of ``model`` (the schema of newswatch.yaml), shortest first so that a whole section
    comes before the keys that change it.

    A scalar setting takes the variable's text as it is (``5``, ``true``, ``working``; ``null`` or
    nothing for none); a list or mapping is written as in YAML (``[us, cn]``, ``{a: 1}``).
    Variables without ``__`` that name no field (``NEWSWATCH_HOME``…) are left to their readers.

    Raises:
        ConfigError: naming a variable whose key is unknown or whose value cannot be read.
    """
    layers: list[tuple[int, bool, str, Layer]] = []
    for name, text in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        setting = ENV_ALIASES.get(name, name)
        keys = setting[len(ENV_PREFIX) :].lower().split(ENV_SEPARATOR)
        if ENV_SEPARATOR not in setting and keys[0] not in model.model_fields:
            continue
        annotation = _annotation_at(name, keys, model)
        value: Any = text
        if _is_structured(annotation):
            value = _yaml_value(name, text)
        elif _allows_none(annotation) and text.strip().lower() in _NONE_WORDS:
            value = None
        data: Any = value
        for key in reversed(keys):
            data = {key: data}
        layers.append((len(keys), setting == name, name, Layer(f"${name}", data)))
    return [layer for *_, layer in sorted(layers, key=lambda item: item[:3])]


def _annotation_at(name: str, keys: list[str], model: type[BaseModel]) -> Any:
    """The type of the setting ``keys`` names in ``model``, else a ConfigError naming ``name``."""
    annotation: Any = model
    for depth, key in enumerate(keys):
        inner = _unwrap_optional(annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            fields = inner.model_fields
            if key not in fields:
                known = [
                    ENV_PREFIX + ENV_SEPARATOR.join([*keys[:depth], f, *keys[depth + 1 :]]).upper() for f in fields
                ]
                raise ConfigError(f"${name}: no such setting: {'.'.join(keys)}{_did_you_mean(name, known)}")
            annotation = fields[key].annotation
        elif get_origin(inner) is dict:
            annotation = get_args(inner)[1]
        else:
            whole = ENV_PREFIX + ENV_SEPARATOR.join(keys[:depth]).upper()
            raise ConfigError(f"${name}: {'.'.join(keys[:depth])} has no keys: set it whole with ${whole}")
    return annotation


def _unwrap_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _allows_none(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(annotation)


def _is_structured(annotation: Any) -> bool:
    inner = _unwrap_optional(annotation)
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return True
    return get_origin(inner) in (dict, list, tuple, set, frozenset) or inner in (dict, list, tuple)


def _yaml_value(name: str, text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"${name}: not a YAML list or mapping ({problem}), e.g. [a, b] or {{key: value}}") from None


def _did_you_mean(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.7)
    return f" (did you mean ${close[0]}?)" if close else ""
