"""Configuration: the shipped files validate, overrides are partial, errors name file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from newswatch.environment import database_url, notification_urls
from newswatch.errors import ConfigError
from newswatch.settings import load_settings


def test_shipped_configuration_is_valid() -> None:
    settings = load_settings()
    assert settings.core.tracked_pair == ("us", "cn")
    assert {t.id for t in settings.topics} == {"us-china-military", "taiwan", "south-china-sea"}
    offices = settings.officials.offices
    assert {"us-secdef", "us-cjcs", "us-indopacom", "us-nsa", "cn-defmin", "cn-cmc-vice-chair", "cn-jsd-chief"} <= set(
        offices
    )
    assert offices["us-secdef"].name_on(__import__("datetime").date(2025, 9, 5)) == "Secretary of War"


def test_an_override_folder_changes_only_what_its_files_name(tmp_path: Path) -> None:
    (tmp_path / "topics.yaml").write_text(
        "topics:\n  - id: korea\n    name: Korean Peninsula\n    threshold: 2\n    terms: {'North Korea': 2}\n",
        encoding="utf-8",
    )
    settings = load_settings(tmp_path, {})
    assert [t.id for t in settings.topics] == ["us-china-military", "taiwan", "south-china-sea", "korea"]
    assert "dong-jun" in {o.id for o in settings.officials.officials}  # officials.yaml still the shipped one


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "newswatch.yaml").write_text("countries:\n  us: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"newswatch\.yaml \(line \d+, column \d+\): invalid YAML"):
        load_settings(tmp_path)


@pytest.mark.parametrize(
    ("file", "content", "expected"),
    [
        (
            "topics.yaml",
            "topics:\n  - id: x\n    name: X\n    threshold: 1\n    terms: {'(unclosed': 1}\n",
            "topics.0.terms",
        ),
        ("topics.yaml", "topics:\n  - id: x\n    name: X\n    threshold: 0\n    terms: {a: 1}\n", "topics.0.threshold"),
        (
            "officials.yaml",
            "offices: {}\nofficials:\n  - id: a\n    name: A\n    country: us\n    roles: [{office: nowhere, from: 2020-01-01}]\n",
            "unknown office 'nowhere'",
        ),
        ("newswatch.yaml", "countries: {us: {name: US, names: [US]}}\ntracked_pair: [us, xx]\n", "not under countries"),
        ("newswatch.yaml", "countries: {us: {name: US, names: [US]}}\ntracked_pair: [us, us]\nbogus: 1\n", "bogus"),
    ],
)
def test_invalid_values_name_file_and_field(tmp_path: Path, file: str, content: str, expected: str) -> None:
    (tmp_path / file).write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path)
    assert str(tmp_path / file) in str(info.value)
    assert expected in str(info.value)


def test_a_missing_override_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration folder not found"):
        load_settings(tmp_path / "nope")


def test_notification_urls_from_config_environment_and_command_line() -> None:
    settings = load_settings()
    environ = {"NEWSWATCH_NOTIFY": " json://a/x ,mailto://b\n json://a/x "}
    assert notification_urls(settings, ["json://c/y"], environ) == ["json://a/x", "mailto://b", "json://c/y"]
    assert notification_urls(settings, [], {}) == []


def test_database_url_precedence(tmp_path: Path) -> None:
    assert database_url("sqlite:///x.db", {"NEWSWATCH_DATABASE_URL": "sqlite:///y.db"}) == "sqlite:///x.db"
    assert database_url(None, {"NEWSWATCH_DATABASE_URL": "sqlite:///y.db"}) == "sqlite:///y.db"
    assert database_url(None, {"NEWSWATCH_HOME": str(tmp_path)}) == f"sqlite:///{tmp_path / 'newswatch.db'}"


def test_the_environment_chooses_the_task_runner_and_a_bad_choice_is_named() -> None:
    assert load_settings(None, {}).core.monitor.task_runner == "threads"
    environ = {"NEWSWATCH_TASK_RUNNER": "dask", "NEWSWATCH_DASK_ADDRESS": "tcp://d:8786"}
    chosen = load_settings(None, environ).core.monitor
    assert (chosen.task_runner, chosen.dask_address) == ("dask", "tcp://d:8786")
    with pytest.raises(ConfigError, match=r"NEWSWATCH_TASK_RUNNER.*task_runner"):
        load_settings(None, {"NEWSWATCH_TASK_RUNNER": "fibers"})


def test_flows_started_by_a_deployment_take_the_config_folder_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newswatch.flows.tasks import flow_settings

    (tmp_path / "feeds.yaml").write_text(
        "replace_shipped: true\nfeeds:\n  - url: http://feeds.example/rss\n", encoding="utf-8"
    )
    monkeypatch.setenv("NEWSWATCH_CONFIG_DIR", str(tmp_path))
    assert [f.url for f in flow_settings(None).feeds] == ["http://feeds.example/rss"]
    assert flow_settings(str(tmp_path.parent)).config_dir == tmp_path.parent  # a parameter wins
