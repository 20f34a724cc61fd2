"""Message templates: overridden from the user's config folder, escaped per channel style, checked
when the configuration loads (a broken one is one error naming its file), cut to length."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newswatch.app.alerting import deliver_alerts
from newswatch.app.storing import store_classifications
from newswatch.classify import Classifier
from newswatch.cli import ExitStatus, app
from newswatch.errors import ConfigError
from newswatch.messages import alert_context, render_digest
from newswatch.notify import build_channels, send
from newswatch.seeds import read_seed_file
from newswatch.settings import Settings, load_settings
from newswatch.storage.database import open_database
from newswatch.templates import Templates, shipped_folder
from tests.conftest import SEEDS
from tests.notifier_servers import JsonReceiver
from tests.samples import SAMPLE_DIGEST, SAMPLE_EVENT


def _override(folder: Path, name: str, text: str) -> Path:
    (folder / "templates").mkdir(parents=True, exist_ok=True)
    (folder / "templates" / name).write_text(text, encoding="utf-8")
    return folder / "templates" / name


def test_an_alert_template_in_the_user_config_folder_changes_the_alert_text(
    tmp_path: Path, sqlite_url: str, json_receiver: JsonReceiver, classifier: Classifier
) -> None:
    folder = tmp_path / "config"
    _override(
        folder,
        "alert.txt.j2",
        "Contact #{{ event.id }}: {{ event.names }} by {{ event.mode }} on {{ event.date }}.\n"
        "{% for a in event.articles %}{{ a.ref }}{% endfor %}\n",
    )
    settings = load_settings(folder)
    channels = build_channels([json_receiver.url])
    sessions = open_database(sqlite_url)
    store_classifications(sessions, [classifier.classify(read_seed_file(SEEDS / "004_ec52301a8b636dd9.txt"))], channels)
    (delivery,) = deliver_alerts(sessions, channels, settings)
    assert delivery.delivered
    (message,) = json_receiver.wait_for(1)
    assert message["message"] == (
        "Contact #1: Charles Q. Brown Jr. – Liu Zhenli by video call on 2023-12-21.\n004_ec52301a8b636dd9.txt"
    )
    # the files the folder lacks are the shipped ones: here, the title
    assert message["title"] == "US–China military contact: Charles Q. Brown Jr. – Liu Zhenli (video call, 2023-12-21)"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("alert.txt.j2", "Participants:\n{% for p in event.participants %}{{ p.name }}\n", "line 2: Unexpected end"),
        ("digest.html.j2", "<p>{{ digest.nonexistent }}</p>", "UndefinedError: 'dict object' has no attribute"),
        ("alert.slack.j2", "{{ event.names | mrkdwn }}\n{{ ''.__class__.__mro__ }}", "line 2: SecurityError"),
        ("alert.text.j2", "{{ event.names }}", "not a template newswatch uses"),
        ("_footer.j2", "{% endif %}", "line 1: Encountered unknown tag 'endif'"),
    ],
    ids=["syntax", "undefined name", "sandbox", "unknown file", "broken partial"],
)
def test_a_broken_template_is_one_error_naming_the_file_at_config_load(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    path = _override(tmp_path, name, text)
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path)
    message = str(info.value)
    assert message.startswith(str(path)) and expected in message and "\n" not in message


def test_the_command_line_reports_a_broken_template_in_one_line(tmp_path: Path) -> None:
    path = _override(tmp_path, "alert.html.j2", "{{ event.names ")
    result = CliRunner().invoke(app, ["classify", str(SEEDS), "--config", str(tmp_path)])
    assert result.exit_code == ExitStatus.ERROR
    assert result.output.startswith(f"newswatch: error: {path}: line 1:") and "Traceback" not in result.output


def test_each_style_escapes_what_its_service_would_act_on(settings: Settings) -> None:
    """Values are neutralised before they reach templates; the environment escapes on its own too."""
    templates = Templates([shipped_folder()])
    context = alert_context(SAMPLE_EVENT, settings.core.countries, settings.core.tracked_pair)
    context["event"]["evidence"] = "<script>x</script> & <!channel>"
    _, html = templates.render("alert", "html", context)
    _, slack = templates.render("alert", "slack", context)
    _, text = templates.render("alert", "text", context)
    assert "&lt;script&gt;x&lt;/script&gt; &amp; &lt;!channel&gt;" in html
    assert "&lt;script&gt;x&lt;/script&gt; &amp; &lt;!channel&gt;" in slack
    assert "<script>x</script> & <!channel>" in text  # plain text has no markup to escape


def test_channel_styles_follow_the_service() -> None:
    channels = build_channels(
        [
            "json://127.0.0.1:9/x",
            "mailto://127.0.0.1:25?from=nw@example.com&to=a@example.com",
            "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general",
        ]
    )
    assert [c.style for c in channels] == ["text", "html", "slack"]


def test_a_long_digest_is_cut_to_the_channel_limit_with_a_note(json_receiver: JsonReceiver, settings: Settings) -> None:
    contacts = tuple(dataclasses.replace(SAMPLE_DIGEST.contacts[0], id=n) for n in range(1, 400))
    digest = dataclasses.replace(SAMPLE_DIGEST, contacts=contacts)
    title, body = render_digest(digest, settings.core.countries, settings.core.tracked_pair)
    assert len(body) > 32768  # apprise's json:// limit
    (channel,) = build_channels([json_receiver.url])
    send(channel, title, body)
    (message,) = json_receiver.wait_for(1)
    assert len(message["message"]) <= 32768 and message["message"].endswith("… (truncated)")
    assert (
        message["title"]
        == f"newswatch digest {dt.date(2024, 4, 18)} 08:00 UTC: 399 new US–China contacts, 1 meeting announced"
    )
