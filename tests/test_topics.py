"""newswatch.topics: a topic's contact and officials weights count only for the pairs it follows."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from newswatch.config_schema import Topic
from newswatch.errors import ConfigError
from newswatch.settings import load_settings
from newswatch.topics import TopicScorer

TEXT = "The two defence chiefs spoke by video call about military relations."


def _topic(**changes: object) -> Topic:
    fields = {"id": "t", "name": "T", "threshold": 10, "terms": {"military relations": 3}, "contact_weight": 8}
    return Topic.model_validate(fields | changes)


def _matched(scorer: TopicScorer) -> tuple[bool, float]:
    (score,) = scorer.score(TEXT, reports_contact=True, names_both_sides=True)
    return score.matched, score.score


def test_a_topic_follows_its_pairs_in_either_order() -> None:
    topic = _topic(pairs=[("us", "cn")])
    assert _matched(TopicScorer([topic], ("cn", "us"))) == (True, 11)
    assert _matched(TopicScorer([topic], ("us", "ru"))) == (False, 3)  # another pair's contact is not its evidence


def test_a_topic_without_pairs_follows_whatever_pair_is_tracked() -> None:
    assert _matched(TopicScorer([_topic()], ("us", "ru"))) == (True, 11)


def test_the_shipped_us_china_topic_does_not_count_another_pairs_contacts(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    core = {"countries": {"ru": {"name": "Russia", "names": ["Russia"]}}, "tracked_pair": ["us", "ru"]}
    (folder / "newswatch.yaml").write_text(yaml.safe_dump(core))
    settings = load_settings(folder)
    scorer = TopicScorer(settings.topics, settings.core.tracked_pair)
    scores = scorer.score(TEXT, reports_contact=True, names_both_sides=True)
    assert not any(score.matched for score in scores), scores


def test_a_pair_naming_an_unknown_country_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "topics.yaml").write_text(
        yaml.safe_dump({"topics": [{"id": "us-china-military", "pairs": [["us", "xx"]]}]})
    )
    with pytest.raises(ConfigError, match=r"topic us-china-military: pairs: 'xx' is not under countries"):
        load_settings(folder)
