"""Configuration: the shipped defaults in ``config/``, a user override folder, the environment.

Everything is validated once, here, into a typed ``Settings`` that the rest of newswatch receives
as an argument; no other module reads newswatch's configuration files (message templates are
read by ``newswatch.templates``, lexicon files by ``newswatch.lexicon``). ``NEWSWATCH_…``
variables that name a key of newswatch.yaml are read here; the others by ``newswatch.environment``.

Files (their schema is in ``newswatch.config_schema``; a file of the same name in the override
folder changes only what it names, see ``newswatch.config_layers``):
    newswatch.yaml   countries, the tracked pair, alert settings, venues, notification sources,
                     routes, the monitor, the schedule and the digest; also from the environment
                     as ``NEWSWATCH_<SECTION>__<KEY>``
    feeds.yaml       the feeds to poll (merged by url)
    topics.yaml      tracked topics with weighted terms, exclusions and thresholds (merged by id)
    officials.yaml   the gazetteer: offices and the officials who held them (merged by id)
    templates/*.j2   message templates (newswatch.templates): each file replaces the shipped one
    lexicon/*.yaml   the detector's vocabulary (newswatch.lexicon): each file replaces the shipped one
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from newswatch.config_layers import KEYED_LISTS, Layer, Merged, environment_layers, merge_layers
from newswatch.config_schema import (
    CoreSettings,
    FeedConfig,
    FeedsFile,
    OfficialsFile,
    StrictModel,
    Topic,
    TopicsFile,
)
from newswatch.errors import ConfigError
from newswatch.messages import check_templates
from newswatch.templates import template_folders
from newswatch.topics import check_terms

CONFIG_FILES = ("newswatch.yaml", "topics.yaml", "officials.yaml", "feeds.yaml")
CONFIG_FOLDERS = ("templates", "lexicon")
# What looks like configuration: such a file in the config folder must be one newswatch reads.
CONFIG_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".j2"})


class Settings(StrictModel):
    """All of newswatch's configuration, validated."""

    core: CoreSettings
    topics: list[Topic]
    officials: OfficialsFile
    feeds: list[FeedConfig] = Field(default=[])
    config_dir: Path | None = None

    @model_validator(mode="after")
    def _countries_known(self) -> Settings:
        for office_id, office in self.officials.offices.items():
            if office.country not in self.core.countries:
                raise ValueError(f"officials.yaml: office {office_id} has unknown country {office.country!r}")
        for followed in self.topics:
            for pair in followed.pairs:
                unknown = [code for code in pair if code not in self.core.countries]
                if unknown:
                    raise ValueError(f"topics.yaml: topic {followed.id}: pairs: {unknown[0]!r} is not under countries")
        topic_ids = {t.id for t in self.topics}
        for key in self.core.notifications.routes:
            topic = key.partition(".")[2]
            if topic and topic not in topic_ids:
                raise ValueError(f"newswatch.yaml: notifications.routes: {key}: no topic {topic!r} in topics.yaml")
        return self


def _default_config_dir() -> Path:
    """The shipped configuration folder (``config/``, installed as ``newswatch.config``)."""
    return Path(str(resources.files("newswatch.config")))


# libyaml's safe loader when PyYAML was built with it (9x faster on officials.yaml), else PyYAML's own.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: Path) -> Any:
    """A YAML file's top-level mapping.

    Raises:
        ConfigError: the file cannot be read, is not UTF-8 or YAML, or is not a mapping.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}{where}: invalid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def describe_validation_error(error: ValidationError, path: Path) -> str:
    """pydantic's first five complaints, one line each, naming ``path`` and the field."""
    return _describe(error, lambda loc: (str(path), loc))


def describe_layered_error(error: ValidationError, merged: Merged) -> str:
    """pydantic's first five complaints, one line each, naming the file or variable that set the
    value at fault and the key as written there."""
    return _describe(error, merged.origin_of)


def _describe(error: ValidationError, origin_of: Callable[[tuple[str | int, ...]], tuple[str, tuple]]) -> str:
    lines = []
    for item in error.errors()[:5]:
        source, loc = origin_of(tuple(item["loc"]))
        location = ".".join(str(part) for part in loc) or "(top level)"
        lines.append(f"{source}: {location}: {item['msg']}")
    more = len(error.errors()) - 5
    if more > 0:
        lines.append(f"... and {more} more problems")
    return "\n".join(lines)


def _validate(model: type[BaseModel], merged: Merged) -> Any:
    try:
        return model.model_validate(merged.data)
    except ValidationError as exc:
        raise ConfigError(describe_layered_error(exc, merged)) from None


def _layered(name: str, config_dir: Path | None, more: list[Layer] | None = None) -> Merged:
    """The shipped file ``name``, the user's file of that name merged over it, then ``more``."""
    shipped = _default_config_dir() / name
    layers = (
        [Layer(str(config_dir / name), load_yaml(config_dir / name))]
        if config_dir is not None and (config_dir / name).is_file()
        else []
    )
    return merge_layers(Layer(str(shipped), load_yaml(shipped)), [*layers, *(more or [])], KEYED_LISTS.get(name))


def load_settings(config_dir: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Load and validate the configuration: each shipped file, the file of the same name in
    ``config_dir`` merged over it, and for newswatch.yaml the ``NEWSWATCH_<SECTION>__<KEY>``
    variables of ``environ`` (``os.environ`` by default) over both (see ``newswatch.config_layers``).

    Args:
        config_dir: the user's override folder: ``newswatch.yaml``, ``topics.yaml``,
            ``officials.yaml``, ``feeds.yaml``, ``templates/*.j2`` and ``lexicon/*.yaml``; any
            other YAML file or template there is refused.
        environ: the environment to read settings from.

    Raises:
        ConfigError: naming the file (or variable) and the key at fault.
    """
    if config_dir is not None and not config_dir.is_dir():
        raise ConfigError(f"{config_dir}: configuration folder not found")
    environ = os.environ if environ is None else environ
    core_layers = _layered("newswatch.yaml", config_dir, environment_layers(environ, CoreSettings))
    if config_dir is not None:
        check_folder(config_dir, _apprise_config_name(core_layers.data))
    core = _validate(CoreSettings, core_layers)
    topics_layers = _layered("topics.yaml", config_dir)
    topics = _validate(TopicsFile, topics_layers).topics
    officials = _validate(OfficialsFile, _layered("officials.yaml", config_dir))
    feeds = _validate(FeedsFile, _layered("feeds.yaml", config_dir)).feeds
    for index, topic in enumerate(topics):  # no term that can take exponential time to match
        check_terms([topic], Path(topics_layers.origin_of(("topics", index))[0]))
    enabled = [topic for topic in topics if topic.enabled]
    if not enabled:
        raise ConfigError(f"{topics_layers.origin_of(())[0]}: topics: every topic is disabled (enabled: false)")
    try:
        settings = Settings(core=core, topics=enabled, officials=officials, feeds=feeds, config_dir=config_dir)
    except ValidationError as exc:
        raise ConfigError("; ".join(str(e["msg"]) for e in exc.errors())) from None
    check_templates(template_folders(config_dir))
    return settings


def _apprise_config_name(core: Mapping[str, Any]) -> str | None:
    """notifications.apprise_config as written (before validation), if it is a name."""
    notifications = core.get("notifications")
    name = notifications.get("apprise_config") if isinstance(notifications, dict) else None
    return name if isinstance(name, str) else None


def check_folder(config_dir: Path, apprise_config: str | None = None) -> None:
    """Refuse what looks like configuration but is not a name newswatch reads (``topics.yml``,
    ``feed.yaml``, ``template/``), so that a misnamed file is not silently ignored.

    Other files (notes, hidden files) are left alone, as is the file that ``apprise_config`` names.

    Raises:
        ConfigError: naming each such file, with the name it was probably meant to have.
    """
    allowed = {*CONFIG_FILES, *CONFIG_FOLDERS}
    if apprise_config and not Path(apprise_config).expanduser().is_absolute():
        allowed.add(Path(apprise_config).parts[0])
    problems = []
    for entry in sorted(config_dir.iterdir()):
        if entry.name in allowed or entry.name.startswith("."):
            continue
        if entry.is_dir():
            guess = difflib.get_close_matches(entry.name, CONFIG_FOLDERS, n=1, cutoff=0.75)
            if guess:
                problems.append(f"{entry}: not a folder newswatch reads (did you mean {guess[0]}/?)")
        elif entry.suffix.lower() in CONFIG_SUFFIXES:
            problems.append(f"{entry}: not a file newswatch reads ({_meant(entry.name)})")
    for entry in sorted((config_dir / "lexicon").glob("*")) if (config_dir / "lexicon").is_dir() else []:
        if entry.suffix.lower() in CONFIG_SUFFIXES - {".yaml"} and not entry.name.startswith("."):
            problems.append(f"{entry}: not a file newswatch reads (did you mean {entry.stem}.yaml?)")
    if problems:
        raise ConfigError("; ".join(problems))


def _meant(name: str) -> str:
    """What a misnamed file in the config folder was probably meant to be."""
    if name.endswith(".j2"):
        return f"did you mean templates/{name}?"
    guess = difflib.get_close_matches(name, CONFIG_FILES, n=1, cutoff=0.6)
    if guess:
        return f"did you mean {guess[0]}?"
    return f"newswatch reads {', '.join(CONFIG_FILES)}, templates/ and lexicon/"


def apprise_config_path(settings: Settings) -> Path | None:
    """The apprise config file named in newswatch.yaml, resolved against the config folder."""
    name = settings.core.notifications.apprise_config
    if not name:
        return None
    path = Path(os.path.expanduser(name))
    if not path.is_absolute():
        path = (settings.config_dir or _default_config_dir()) / path
    if not path.is_file():
        raise ConfigError(f"newswatch.yaml: notifications.apprise_config: {path} not found")
    return path
