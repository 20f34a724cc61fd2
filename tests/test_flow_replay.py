"""End to end through the Prefect flow: seeds → classify → store → alerts to a real HTTP endpoint
(apprise json://) and a real SMTP server (apprise mailto://), both on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SEEDS, config_folder
from tests.notifier_servers import JsonReceiver, SmtpReceiver


@pytest.fixture(autouse=True)
def _prefect(prefect_server: None) -> None:
    """Every test here runs flows on the session's temporary Prefect server."""


def _replay(
    monkeypatch: pytest.MonkeyPatch, database_url: str, urls: list[str], paths: list[Path], config: Path | None = None
):
    from newswatch.flows.replay import replay

    monkeypatch.setenv("NEWSWATCH_DATABASE_URL", database_url)
    monkeypatch.setenv("NEWSWATCH_NOTIFY", " ".join(urls))
    return replay([str(p) for p in paths], str(config) if config else None)


def _no_backoff(tmp_path: Path) -> Path:
    """A config folder whose alerts retry at once (the shipped backoff starts at a minute)."""
    return config_folder(tmp_path / "config", alerts={"retry_base_seconds": 0})


def test_one_alert_per_event_per_url_and_never_twice(
    monkeypatch: pytest.MonkeyPatch, database_url: str, json_receiver: JsonReceiver, smtp_receiver: SmtpReceiver
) -> None:
    urls = [json_receiver.url, smtp_receiver.url]
    report = _replay(monkeypatch, database_url, urls, [SEEDS])
    assert sorted((e.date.isoformat(), e.mode) for e in report.events) == [
        ("2023-12-21", "video_call"),
        ("2024-04-16", "unspecified"),
    ]
    assert len(report.deliveries) == 4 and all(d.delivered for d in report.deliveries)
    json_receiver.wait_for(2)
    smtp_receiver.wait_for(2)
    titles = sorted(m["title"] for m in json_receiver.messages)
    assert titles == [
        "US–China military contact: Charles Q. Brown Jr. – Liu Zhenli (video call, 2023-12-21)",
        "US–China military contact: Lloyd Austin – Dong Jun (talks, 2024-04-16)",
    ]
    assert sorted(m.subject for m in smtp_receiver.messages) == titles

    again = _replay(monkeypatch, database_url, urls, [SEEDS])
    assert again.new_articles == 0 and again.deliveries == []
    assert len(json_receiver.messages) == 2 and len(smtp_receiver.messages) == 2


def test_a_notifier_that_is_down_is_retried_on_the_next_run_exactly_once(
    monkeypatch: pytest.MonkeyPatch,
    sqlite_url: str,
    json_receiver: JsonReceiver,
    smtp_receiver: SmtpReceiver,
    tmp_path: Path,
) -> None:
    urls = [json_receiver.url, smtp_receiver.url]
    config = _no_backoff(tmp_path)
    json_receiver.stop()
    first = _replay(monkeypatch, sqlite_url, urls, [SEEDS], config)
    failed = [d for d in first.deliveries if not d.delivered]
    assert len(failed) == 2 and all("127.0.0.1" in (d.error or "") for d in failed)
    assert len(smtp_receiver.wait_for(2)) == 2

    json_receiver.start()
    second = _replay(monkeypatch, sqlite_url, urls, [SEEDS], config)
    assert [d.delivered for d in second.deliveries] == [True, True]
    assert len(json_receiver.wait_for(2)) == 2

    third = _replay(monkeypatch, sqlite_url, urls, [SEEDS], config)
    assert third.deliveries == []
    assert len(json_receiver.messages) == 2 and len(smtp_receiver.messages) == 2


def test_without_any_url_alerts_go_to_the_console_once(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _replay(monkeypatch, sqlite_url, [], [SEEDS])
    assert [d.channel for d in first.deliveries] == ["console", "console"]
    assert capsys.readouterr().out.count("ALERT US–China military contact") == 2
    second = _replay(monkeypatch, sqlite_url, [], [SEEDS])
    assert second.deliveries == []


def test_an_announced_meeting_alerts_once_when_it_is_reported_held(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str, json_receiver: JsonReceiver, tmp_path: Path
) -> None:
    announced = tmp_path / "announced.txt"
    announced.write_text(
        " date 2024-05-29 SINGAPORE — Defense Secretary Lloyd Austin will meet Chinese Defense Minister Dong Jun "
        "on Friday on the sidelines of the Shangri-La Dialogue, the Pentagon said on Wednesday.",
        encoding="utf-8",
    )
    first = _replay(monkeypatch, sqlite_url, [json_receiver.url], [announced])
    assert [e.status for e in first.events] == ["planned"] and first.deliveries == []
    held = _replay(monkeypatch, sqlite_url, [json_receiver.url], [Path(__file__).parent / "corpus" / "nw_021.txt"])
    assert [(e.status, e.date.isoformat(), e.location) for e in held.events] == [("held", "2024-05-31", "Singapore")]
    assert [e.id for e in held.events] == [e.id for e in first.events]
    assert len(json_receiver.wait_for(1)) == 1
    assert (
        _replay(monkeypatch, sqlite_url, [json_receiver.url], [SEEDS / "000_fa17d5cd43c4c00b.txt"])
        .deliveries[0]
        .event_id
        != held.events[0].id
    )


def test_a_contact_revealed_long_after_says_so_in_its_alert(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str, json_receiver: JsonReceiver
) -> None:
    report = _replay(monkeypatch, sqlite_url, [json_receiver.url], [Path(__file__).parent / "corpus" / "nw_025.txt"])
    assert [e.historical for e in report.events] == [True]
    (message,) = json_receiver.wait_for(1)
    assert message["title"].endswith("(phone call, 2021-01-08) — newly reported")
    assert "Newly reported: this contact took place on 2021-01-08." in message["message"]
    assert "Confidence: " in message["message"] and "independent sources: 1" in message["message"]


def test_notification_urls_can_come_from_a_prefect_secret_block(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str, json_receiver: JsonReceiver, tmp_path: Path
) -> None:
    from prefect.blocks.system import Secret

    Secret(value=f"ops={json_receiver.url}").save("newswatch-test-notify", overwrite=True)  # type: ignore[arg-type]  # Prefect's documented use; mypy cannot infer Secret's T from it
    config = config_folder(tmp_path / "secret-config", notifications={"prefect_secret": "newswatch-test-notify"})
    report = _replay(monkeypatch, sqlite_url, [], [SEEDS / "004_ec52301a8b636dd9.txt"], config)
    assert [d.channel.split(" ")[0] for d in report.deliveries] == ["ops"]
    assert len(json_receiver.wait_for(1)) == 1


def test_a_run_that_can_read_nothing_fails_naming_why(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str, tmp_path: Path
) -> None:
    """A deployment's run (the command line checks its paths first) fails rather than completing
    having done nothing: a worker whose working directory lacks the relative `seeds`."""
    from newswatch.errors import SeedFileError

    with pytest.raises(SeedFileError, match=r"^seeds-elsewhere: no such file or folder$"):
        _replay(monkeypatch, sqlite_url, [], [Path("seeds-elsewhere")])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SeedFileError, match=r"^no seed files \(\*\.txt\) in .*empty$"):
        _replay(monkeypatch, sqlite_url, [], [empty])
