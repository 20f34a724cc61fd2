"""Message wording: the sample data of the template check comes from configuration."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from newswatch.errors import ConfigError
from newswatch.messages import SAMPLES_FILE, alert_context, confidence_meaning, sample_contexts, sample_event
from newswatch.settings import load_settings
from newswatch.templates import shipped_folder
from tests.samples import SAMPLE_EVENT, SAMPLE_TOPIC_NAMES


def test_the_shipped_samples_fill_every_message(settings) -> None:
    contexts = sample_contexts((shipped_folder(),))
    assert sorted(contexts) == ["alert", "digest", "notice", "planned"]
    expected = alert_context(SAMPLE_EVENT, settings.core.countries, settings.core.tracked_pair, SAMPLE_TOPIC_NAMES)
    assert contexts["alert"] == expected
    assert contexts["digest"]["digest"]["contacts"] and contexts["digest"]["digest"]["planned"]
    assert contexts["notice"]["notice"]["status"] == 503


def test_a_samples_file_in_the_user_templates_folder_replaces_the_shipped_one(tmp_path: Path) -> None:
    text = (shipped_folder() / SAMPLES_FILE).read_text(encoding="utf-8")
    text = text.replace("cn: {name: China}", "ru: {name: Russia}").replace("pair: [us, cn]", "pair: [us, ru]")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / SAMPLES_FILE).write_text(text, encoding="utf-8")
    contexts = sample_contexts((tmp_path / "templates", shipped_folder()))
    assert contexts["alert"]["pair"] == "US–Russia"
    load_settings(tmp_path)  # the check renders every template with it


def test_broken_sample_data_is_one_error_naming_its_file(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    path = tmp_path / "templates" / SAMPLES_FILE
    path.write_text("countries: {}\npair: [us, cn]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path)
    assert str(info.value).startswith(f"{path}: sample data") and "\n" not in str(info.value)


def test_an_alert_tells_when_it_was_detected_what_its_confidence_means_and_how_to_mute(settings) -> None:
    context = alert_context(
        SAMPLE_EVENT, settings.core.countries, settings.core.tracked_pair, SAMPLE_TOPIC_NAMES, "Asia/Shanghai"
    )["event"]
    assert context["detected"] == "2024-04-17 17:12 CST"  # 09:12 UTC, in the configured zone
    assert context["topics"] == ["US–China military relations"] and context["topic_ids"] == ["us-china-military"]
    assert (context["confidence_level"], context["confidence_meaning"]) == confidence_meaning(0.9)
    assert context["mute"]["event"] == "newswatch mute event 1"
    assert context["mute"]["topics"] == [
        {"command": "newswatch mute topic us-china-military", "name": "US–China military relations"}
    ]
    assert context["evidence_source"]["outlet"] == "news.example.com"
    unstored = alert_context(replace(SAMPLE_EVENT, first_seen=None), settings.core.countries, ("us", "cn"))["event"]
    assert unstored["detected"] is None and unstored["topics"] == ["us-china-military"]  # no names: the ids


@pytest.mark.parametrize(
    ("confidence", "level"), [(1.0, "high"), (0.85, "high"), (0.8, "medium"), (0.7, "medium"), (0.5, "low")]
)
def test_confidence_levels_follow_the_detector_scores(confidence: float, level: str) -> None:
    assert confidence_meaning(confidence)[0] == level


def test_the_sample_event_is_what_notify_test_sends() -> None:
    event = sample_event((shipped_folder(),))
    assert event.id == 1 and event.first_seen is not None and event.quotes
