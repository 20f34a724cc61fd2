"""``newswatch notify test``: a sample alert to each channel, one line per outcome, real receivers."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from newswatch.cli import ExitStatus, app
from tests.notifier_servers import JsonReceiver, SmtpReceiver, _free_port

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_configured_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    """--notify reaches the channels through $NEWSWATCH_NOTIFY: restore it after each test."""
    monkeypatch.setenv("NEWSWATCH_NOTIFY", "")


def _unreachable() -> str:
    return f"json://127.0.0.1:{_free_port()}/hook?cto=2"


def _notify_test(*urls: str) -> tuple[int, list[str], str]:
    result = runner.invoke(app, ["notify", "test", *(arg for url in urls for arg in ("--notify", url))])
    lines = [line for line in result.output.splitlines() if line.startswith(("sent ", "failed ", "unknown "))]
    return result.exit_code, lines, result.output


def test_each_channel_gets_the_sample_alert_in_its_style_and_one_line(
    json_receiver: JsonReceiver, smtp_receiver: SmtpReceiver
) -> None:
    dead = _unreachable()
    code, lines, output = _notify_test(json_receiver.url, smtp_receiver.url_for("alerts", "s3cret-pw"), dead)
    assert code == ExitStatus.PARTIAL, output
    assert len(lines) == 3, output
    assert lines[0].startswith("sent     json://127.0.0.1:")
    assert lines[1].startswith("sent     mailto://alerts:") and "s3cret-pw" not in output  # masked
    assert lines[2].startswith("failed   json://127.0.0.1:") and "delivery failed: A Connection error" in lines[2]
    (posted,) = json_receiver.wait_for(1)
    assert posted["title"].startswith("[newswatch test] US–China military contact: Lloyd Austin – Dong Jun")
    assert "Event 1, detected 2024-04-17 09:12 UTC" in posted["message"]
    assert "Topics:     US–China military relations" in posted["message"]  # names, not ids
    (mail,) = smtp_receiver.wait_for(1)
    assert mail.subject.startswith("[newswatch test] ")
    assert mail.html is not None and mail.html.lstrip().startswith("<!DOCTYPE html>")
    assert mail.text is not None and "To mute: `newswatch mute event 1`" in mail.text


def test_all_sent_is_success_and_none_sent_is_an_error(json_receiver: JsonReceiver) -> None:
    assert _notify_test(json_receiver.url)[:2] == (ExitStatus.SUCCESS, [f"sent     {json_receiver.url.split('?')[0]}"])
    json_receiver.fail_with(500)
    code, lines, _ = _notify_test(json_receiver.url)
    assert code == ExitStatus.ERROR and lines[0].startswith("failed   ") and "delivery failed" in lines[0]
    code, lines, _ = _notify_test(_unreachable(), json_receiver.url)
    assert code == ExitStatus.ERROR and len(lines) == 2


def test_without_channels_the_console_shows_it_and_says_so() -> None:
    code, lines, output = _notify_test()
    assert code == ExitStatus.SUCCESS
    assert output.startswith("ALERT [newswatch test] ") and lines == ["sent     console"]
    assert "No notification channel is configured" in output


def test_help_has_an_example() -> None:
    result = runner.invoke(app, ["notify", "test", "--help"])
    assert result.exit_code == 0 and "Example: newswatch notify test" in result.output


def test_notify_test_does_not_import_prefect(json_receiver: JsonReceiver) -> None:
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from newswatch.cli import app\n"
        f"result = CliRunner().invoke(app, ['notify', 'test', '--notify', {json_receiver.url!r}])\n"
        "print(result.exit_code, 'prefect' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout.split() == ["0", "False"], done.stderr
