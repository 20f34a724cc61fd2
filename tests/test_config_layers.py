"""Configuration layered per key (issue 18, item 6): an override file changes only the keys it
names, every setting of newswatch.yaml can come from a NEWSWATCH_… variable, and a misnamed file in
the config folder is an error that names it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from newswatch.config_layers import Layer, merge_layers
from newswatch.errors import ConfigError
from newswatch.settings import load_settings
from tests.conftest import SEEDS


def _folder(tmp_path: Path, **files: str) -> Path:
    """A config folder holding these files (``topics_yaml`` → ``topics.yaml``)."""
    folder = tmp_path / "config"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name.replace("_yaml", ".yaml")).write_text(text, encoding="utf-8")
    return folder


# --- files: merged per key ------------------------------------------------------------------


def test_a_newswatch_yaml_with_one_key_changes_that_key_only(tmp_path: Path) -> None:
    shipped = load_settings(None, {})
    folder = _folder(tmp_path, newswatch_yaml="schedule: {monitor_every_minutes: 5}\n")
    settings = load_settings(folder, {})
    assert settings.core.schedule.monitor_every_minutes == 5
    assert settings.core.schedule.deliver_every_minutes == shipped.core.schedule.deliver_every_minutes
    assert settings.core.countries == shipped.core.countries and settings.core.venues == shipped.core.venues


def test_mappings_merge_key_by_key_and_lists_are_replaced_whole(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        newswatch_yaml="countries:\n  us: {short: USA, names: [America]}\n  nz: {name: New Zealand, names: [Wellington]}\n",
    )
    countries = load_settings(folder, {}).core.countries
    assert (countries["us"].name, countries["us"].short, countries["us"].names) == ("United States", "USA", ["America"])
    assert countries["nz"].name == "New Zealand" and "cn" in countries


def test_topics_merge_by_id_a_topic_can_be_changed_added_or_disabled(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        topics_yaml=(
            "topics:\n"
            "  - {id: taiwan, threshold: 12, terms: {'Taiwan Strait': 5}}\n"
            "  - {id: south-china-sea, enabled: false}\n"
            "  - {id: korea, name: Korea, threshold: 2, terms: {'North Korea': 2}}\n"
        ),
    )
    shipped = {t.id: t for t in load_settings(None, {}).topics}
    topics = {t.id: t for t in load_settings(folder, {}).topics}
    assert list(topics) == ["us-china-military", "taiwan", "korea"]
    assert topics["taiwan"].threshold == 12 and topics["taiwan"].terms == {
        **shipped["taiwan"].terms,
        "Taiwan Strait": 5,
    }
    assert topics["taiwan"].require == shipped["taiwan"].require


def test_feeds_merge_by_url_and_officials_by_id(tmp_path: Path) -> None:
    shipped = load_settings(None, {})
    first = shipped.feeds[0]
    folder = _folder(
        tmp_path,
        feeds_yaml=f"feeds:\n  - {{url: '{first.url}', enabled: false}}\n  - {{url: 'http://mine.example/rss'}}\n",
        officials_yaml="officials:\n  - {id: dong-jun, aliases: [Admiral Dong]}\n",
    )
    settings = load_settings(folder, {})
    assert [f.url for f in settings.feeds] == [*(f.url for f in shipped.feeds), "http://mine.example/rss"]
    assert settings.feeds[0].enabled is False and settings.feeds[0].name == first.name
    dong = next(o for o in settings.officials.officials if o.id == "dong-jun")
    assert dong.aliases == ["Admiral Dong"] and dong.roles  # the list replaced, the rest kept
    assert len(settings.officials.officials) == len(shipped.officials.officials)


def test_replace_shipped_makes_a_file_replace_the_shipped_one(tmp_path: Path) -> None:
    folder = _folder(tmp_path, feeds_yaml="replace_shipped: true\nfeeds: []\n")
    assert load_settings(folder, {}).feeds == []
    _folder(tmp_path, feeds_yaml="replace_shipped: yes please\nfeeds: []\n")
    with pytest.raises(ConfigError, match=r"feeds\.yaml: replace_shipped: expected true or false"):
        load_settings(folder, {})


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # the index is the entry's in the user's file, not in the merged list
        (
            {"topics_yaml": "topics:\n  - {id: taiwan}\n  - {id: Bad Id, name: x, threshold: 1, terms: {a: 1}}\n"},
            "topics.1.id",
        ),
        ({"topics_yaml": "topics:\n  - {id: taiwan, threshold: 0}\n"}, "topics.0.threshold"),
        ({"topics_yaml": "topics:\n  - {id: korea, name: K, threshold: 1}\n"}, "topics.0.terms: Field required"),
        (
            {"topics_yaml": "topics:\n" + "  - {id: k, name: K, threshold: 1, terms: {a: 1}}\n" * 2},
            "duplicate topic ids: k",
        ),
        ({"newswatch_yaml": "monitor: {concurency: 4}\n"}, "monitor.concurency: Extra inputs"),
        ({"feeds_yaml": "feeds:\n  - url: ftp://x/\n"}, "feeds.0.url"),
    ],
)
def test_an_error_in_an_override_names_that_file_and_its_key(
    tmp_path: Path, files: dict[str, str], expected: str
) -> None:
    folder = _folder(tmp_path, **files)
    with pytest.raises(ConfigError) as info:
        load_settings(folder, {})
    name = next(iter(files)).replace("_yaml", ".yaml")
    assert f"{folder / name}: " in str(info.value) and expected in str(info.value)


def test_every_topic_disabled_is_an_error(tmp_path: Path) -> None:
    ids = [t.id for t in load_settings(None, {}).topics]
    folder = _folder(tmp_path, topics_yaml="topics:\n" + "".join(f"  - {{id: {i}, enabled: false}}\n" for i in ids))
    with pytest.raises(ConfigError, match="every topic is disabled"):
        load_settings(folder, {})


def test_the_merge_records_where_each_value_came_from() -> None:
    base = Layer("shipped", {"a": {"b": 1, "c": [1, 2]}, "items": [{"id": "x", "v": 1, "w": 0}]})
    user = Layer("user", {"a": {"c": [3]}, "items": [{"id": "y"}, {"id": "x", "v": 2}]})
    merged = merge_layers(base, [user, Layer("$ENV", {"a": {"b": 5}})], {("items",): "id"})
    assert merged.data == {"a": {"b": 5, "c": [3]}, "items": [{"id": "x", "v": 2, "w": 0}, {"id": "y"}]}
    assert merged.origin_of(("a", "b")) == ("$ENV", ("a", "b"))
    assert merged.origin_of(("a", "c", 0)) == ("user", ("a", "c", 0))
    assert merged.origin_of(("items", 1, "id")) == ("user", ("items", 0, "id"))
    assert merged.origin_of(("items", 0, "v")) == ("user", ("items", 1, "v"))
    assert merged.origin_of(("items", 0, "w")) == ("shipped", ("items", 0, "w"))
    assert merged.origin_of(()) == ("$ENV", ())  # the last layer merged into the whole


# --- the environment ------------------------------------------------------------------------


def test_any_setting_comes_from_the_environment_over_the_files(tmp_path: Path) -> None:
    folder = _folder(tmp_path, newswatch_yaml="monitor: {concurrency: 4, workers: 3}\nalerts: {min_level: senior}\n")
    environ = {
        "NEWSWATCH_MONITOR__CONCURRENCY": "6",
        "NEWSWATCH_MONITOR__WORKERS": "null",
        "NEWSWATCH_ALERTS__MIN_LEVEL": "working",
        "NEWSWATCH_ALERTS__NOTIFY_PLANNED": "true",
        "NEWSWATCH_DIGEST__DAILY_AT": "07:30",
        "NEWSWATCH_NOTIFICATIONS__ROUTES": "{contacts: [slack], digest.taiwan: [email]}",
        "NEWSWATCH_COUNTRIES__US__SHORT": "USA",
        "NEWSWATCH_TRACKED_PAIR": "[us, cn]",
        "NEWSWATCH_HOME": str(tmp_path),  # not a setting of newswatch.yaml: left to its reader
    }
    core = load_settings(folder, environ).core
    assert (core.monitor.concurrency, core.monitor.workers) == (6, None)
    assert (core.alerts.min_level, core.alerts.notify_planned, core.digest.daily_at) == ("working", True, "07:30")
    assert core.notifications.routes == {"contacts": ["slack"], "digest.taiwan": ["email"]}
    assert core.countries["us"].short == "USA" and core.countries["us"].name == "United States"


def test_a_key_set_after_its_whole_section_wins() -> None:
    environ = {"NEWSWATCH_MONITOR__CONCURRENCY": "6", "NEWSWATCH_MONITOR": "{concurrency: 2, retries: 0}"}
    monitor = load_settings(None, environ).core.monitor
    assert (monitor.concurrency, monitor.retries, monitor.read_timeout) == (6, 0, 15)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"NEWSWATCH_MONITOR__CONCURRENCY": "lots"}, "$NEWSWATCH_MONITOR__CONCURRENCY: monitor.concurrency: Input"),
        ({"NEWSWATCH_ALERTS__MIN_LEVEL": "junior"}, "$NEWSWATCH_ALERTS__MIN_LEVEL: alerts.min_level: Input"),
        ({"NEWSWATCH_MONITOR": "{concurency: 3}"}, "$NEWSWATCH_MONITOR: monitor.concurency: Extra inputs"),
        (
            {"NEWSWATCH_MONITOR__CONCURENCY": "3"},
            "$NEWSWATCH_MONITOR__CONCURENCY: no such setting: monitor.concurency "
            "(did you mean $NEWSWATCH_MONITOR__CONCURRENCY?)",
        ),
        ({"NEWSWATCH_MONITR__RETRIES": "3"}, "(did you mean $NEWSWATCH_MONITOR__RETRIES?)"),
        (
            {"NEWSWATCH_TRACKED_PAIR__FIRST": "us"},
            "tracked_pair has no keys: set it whole with $NEWSWATCH_TRACKED_PAIR",
        ),
        ({"NEWSWATCH_VENUES": "{unclosed: "}, "$NEWSWATCH_VENUES: not a YAML list or mapping"),
        ({"NEWSWATCH_DIGEST__TIMEZONE": "Mars/Olympus"}, "$NEWSWATCH_DIGEST__TIMEZONE: digest.timezone: Value error"),
    ],
)
def test_a_bad_variable_is_an_error_naming_it_and_the_key(environ: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(None, environ)
    assert expected in str(info.value)


def test_the_older_variables_are_the_settings_they_name() -> None:
    environ = {"NEWSWATCH_HOME": "/x", "NEWSWATCH_TASK_RUNNER": "dask", "NEWSWATCH_ALLOW_PRIVATE_NETWORKS": "1"}
    monitor = load_settings(None, environ).core.monitor
    assert (monitor.task_runner, monitor.allow_private_networks) == ("dask", True)
    same = load_settings(None, {"NEWSWATCH_MONITOR__TASK_RUNNER": "dask"}).core.monitor
    assert same.task_runner == "dask"
    both = {"NEWSWATCH_TASK_RUNNER": "dask", "NEWSWATCH_MONITOR__TASK_RUNNER": "processes"}
    assert load_settings(None, both).core.monitor.task_runner == "processes"  # the setting's own name wins
    assert load_settings(None, {"NEWSWATCH_ALLOW_PRIVATE_NETWORKS": "no"}).core.monitor.allow_private_networks is False
    with pytest.raises(ConfigError, match=r"^\$NEWSWATCH_TASK_RUNNER: monitor.task_runner"):
        load_settings(None, {"NEWSWATCH_TASK_RUNNER": "fibers"})


def test_a_bad_variable_stops_a_command_with_one_line_before_any_work(tmp_path: Path) -> None:
    env = {**os.environ, "NEWSWATCH_HOME": str(tmp_path / "home"), "NEWSWATCH_ALERTS__MIN_LEVEL": "junior"}
    command = [sys.executable, "-m", "newswatch", "classify", str(SEEDS)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines() == [
        "newswatch: error: $NEWSWATCH_ALERTS__MIN_LEVEL: alerts.min_level: Input should be 'senior' or 'working'"
    ]


# --- what the folder may hold ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("topics.yml", "did you mean topics.yaml?"),
        ("newswatch.yml", "did you mean newswatch.yaml?"),
        ("feed.yaml", "did you mean feeds.yaml?"),
        ("alert.txt.j2", "did you mean templates/alert.txt.j2?"),
        ("settings.json", "newswatch reads newswatch.yaml, topics.yaml, officials.yaml, feeds.yaml, templates/"),
        ("template/", "not a folder newswatch reads (did you mean templates/?)"),
        ("lexicon/fr.yml", "did you mean fr.yaml?"),
    ],
)
def test_a_misnamed_file_in_the_config_folder_is_an_error_naming_it(tmp_path: Path, name: str, hint: str) -> None:
    folder = _folder(tmp_path)
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.mkdir() if name.endswith("/") else path.write_text("topics: []\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(folder, {})
    assert f"{path.with_name(path.name)}: not a " in str(info.value) and hint in str(info.value)


def test_known_files_notes_hidden_files_and_the_apprise_config_are_allowed(tmp_path: Path) -> None:
    folder = _folder(tmp_path, newswatch_yaml="notifications: {apprise_config: apprise.yml}\n")
    (folder / "apprise.yml").write_text(yaml.safe_dump({"urls": ["json://localhost/"]}), encoding="utf-8")
    for name in ("README.md", "notes.txt", ".hidden.yaml"):
        (folder / name).write_text("x", encoding="utf-8")
    for sub in ("templates", "lexicon", ".git", "backup"):
        (folder / sub).mkdir()
    assert load_settings(folder, {}).core.notifications.apprise_config == "apprise.yml"


def test_no_setting_takes_the_name_of_another_newswatch_variable() -> None:
    """``NEWSWATCH_HOME`` must stay the home folder: a top-level key ``home`` would capture it."""
    from newswatch import environment
    from newswatch.config_schema import CoreSettings

    others = {value for name, value in vars(environment).items() if name.startswith("ENV_")}
    assert "NEWSWATCH_HOME" in others
    assert not {f"NEWSWATCH_{field.upper()}" for field in CoreSettings.model_fields} & others
