"""Message wording: the sample data of the template check comes from configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from newswatch.errors import ConfigError
from newswatch.messages import SAMPLES_FILE, alert_context, sample_contexts
from newswatch.settings import load_settings
from newswatch.templates import shipped_folder
from tests.samples import SAMPLE_EVENT


def test_the_shipped_samples_fill_every_message(settings) -> None:
    contexts = sample_contexts((shipped_folder(),))
    assert sorted(contexts) == ["alert", "digest", "notice", "planned"]
    assert contexts["alert"] == alert_context(SAMPLE_EVENT, settings.core.countries, settings.core.tracked_pair)
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
