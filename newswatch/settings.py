"""Configuration: the shipped defaults in ``config/`` plus an optional user override folder.

Everything is validated once, here, into a typed ``Settings`` that the rest of newswatch receives
as an argument; no other module reads newswatch's configuration files (message templates are
read by ``newswatch.templates``, environment variables by ``newswatch.environment``).

Files (each may be replaced by a file of the same name in the override folder; their schema is in
``newswatch.config_schema``):
    newswatch.yaml   countries, the tracked pair, alert settings, venues, notification sources,
                     routes and the digest
    feeds.yaml       the feeds to poll
    topics.yaml      tracked topics with weighted terms, exclusions and thresholds
    officials.yaml   the gazetteer: offices and the officials who held them
    templates/*.j2   message templates (newswatch.templates): each file replaces the shipped one
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

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
    lines = []
    for item in error.errors()[:5]:
        location = ".".join(str(part) for part in item["loc"]) or "(top level)"
        lines.append(f"{path}: {location}: {item['msg']}")
    more = len(error.errors()) - 5
    if more > 0:
        lines.append(f"... and {more} more problems")
    return "\n".join(lines)


def _validate(model: type[BaseModel], data: Any, path: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, path)) from None


def load_settings(config_dir: Path | None = None) -> Settings:
    """Load and validate the configuration.

    Args:
        config_dir: a folder whose ``newswatch.yaml``, ``topics.yaml``, ``officials.yaml``,
            ``feeds.yaml`` or ``templates/*.j2`` replace the shipped file of the same name; files
            it lacks come from the defaults.

    Raises:
        ConfigError: naming the file and field at fault.
    """
    if config_dir is not None and not config_dir.is_dir():
        raise ConfigError(f"{config_dir}: configuration folder not found")
    defaults = _default_config_dir()

    def pick(name: str) -> Path:
        if config_dir is not None and (config_dir / name).is_file():
            return config_dir / name
        return defaults / name

    core_path, topics_path, officials_path, feeds_path = (pick(name) for name in CONFIG_FILES)
    core = _validate(CoreSettings, load_yaml(core_path), core_path)
    topics = _validate(TopicsFile, load_yaml(topics_path), topics_path)
    officials = _validate(OfficialsFile, load_yaml(officials_path), officials_path)
    feeds = _validate(FeedsFile, load_yaml(feeds_path), feeds_path)
    try:
        settings = Settings(
            core=core, topics=topics.topics, officials=officials, feeds=feeds.feeds, config_dir=config_dir
        )
    except ValidationError as exc:
        raise ConfigError("; ".join(str(e["msg"]) for e in exc.errors())) from None
    check_terms(topics.topics, topics_path)  # no term that can take exponential time to match
    check_templates(template_folders(config_dir))
    return settings


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
