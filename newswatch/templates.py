"""Message text from Jinja2 templates: the shipped ones in ``config/templates/``, each replaceable
by a file of the same name in the user's config folder (``templates/`` in it).

Templates are sandboxed, and a name they use that the context lacks is an error (StrictUndefined).
Each message has a title template (plain text) and a body template per channel style: ``txt``
(plain text), ``slack`` (Slack mrkdwn, values escaped with the ``mrkdwn`` filter, links made with
``slack_link``) and ``html``
(email, autoescaped). Values reach the templates already neutralised (``messages.neutralise``), so
article text cannot carry markup or mass mentions whichever template shows it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from newswatch.errors import TemplateError

MESSAGES = ("alert", "planned", "digest", "notice")  # notice: an operator message about a feed's health
STYLES = {"text": "txt", "slack": "slack", "html": "html"}  # channel style → file suffix
TEMPLATE_NAMES = tuple(f"{message}.{part}.j2" for message in MESSAGES for part in ("title", *STYLES.values()))


def shipped_folder() -> Path:
    return Path(str(resources.files("newswatch.config"))) / "templates"


def template_folders(config_dir: Path | None) -> tuple[Path, ...]:
    """Where templates are looked up, first match wins: the user's ``templates/``, then the shipped."""
    user = config_dir / "templates" if config_dir is not None else None
    return (user, shipped_folder()) if user is not None and user.is_dir() else (shipped_folder(),)


def mrkdwn(value: Any) -> str:
    """A value escaped for Slack mrkdwn: ``&``, ``<`` and ``>`` are its control characters."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Characters a URL cannot carry inside Slack's ``<url|text>``: the link's delimiters and blanks.
_SLACK_URL_UNSAFE = {"<": "%3C", ">": "%3E", "|": "%7C", " ": "%20", "\n": "%0A"}


def slack_link(url: Any, text: Any = None) -> str:
    """A Slack mrkdwn link, ``<url|text>``: the URL kept whole (its delimiters percent-encoded),
    the text escaped (``&``, ``<``, ``>``). Without a URL, the text alone, escaped."""
    if not url:
        return mrkdwn(text or "")
    target = "".join(_SLACK_URL_UNSAFE.get(c, c) for c in str(url)).replace("&", "&amp;")
    return f"<{target}|{mrkdwn(text)}>" if text else f"<{target}>"


class Templates:
    """The message templates of one set of folders."""

    def __init__(self, folders: Sequence[Path]) -> None:
        self.folders = tuple(folders)
        self._env = SandboxedEnvironment(
            loader=jinja2.FileSystemLoader([str(f) for f in self.folders]),
            undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._env.filters["mrkdwn"] = mrkdwn
        self._env.filters["slack_link"] = slack_link

    def path_of(self, name: str) -> Path:
        """The file a template name resolves to."""
        return next((f / name for f in self.folders if (f / name).is_file()), self.folders[-1] / name)

    def render(self, message: str, style: str, context: Mapping[str, Any]) -> tuple[str, str]:
        """A message's title (one line) and its body in the channel's style.

        Raises:
            TemplateError: naming the template file (and line) at fault.
        """
        title = self._render(f"{message}.title.j2", context)
        body = self._render(f"{message}.{STYLES[style]}.j2", context)
        return " ".join(title.split()), body.strip("\n")

    def _render(self, name: str, context: Mapping[str, Any]) -> str:
        try:
            return self._env.get_template(name).render(context)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"{exc.filename or self.path_of(name)}: line {exc.lineno}: {exc.message}") from None
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(f"template {exc.name} not found in {', '.join(map(str, self.folders))}") from None
        except Exception as exc:  # undefined names, sandbox refusals, errors raised by filters
            path = self.path_of(name)
            raise TemplateError(f"{path}{_line_in(exc, path)}: {type(exc).__name__}: {exc}") from None

    def check(self, samples: Mapping[str, Mapping[str, Any]]) -> None:
        """Compile every template and render each message in every style with a sample context, so
        that a broken template is an error when the configuration loads, not when a message is due.

        Raises:
            TemplateError: the first problem, naming the file.
        """
        for folder in self.folders[:-1]:  # the user's: every file must compile and be one we use
            for path in sorted(folder.glob("*.j2")):
                if path.name not in TEMPLATE_NAMES and not path.name.startswith("_"):
                    raise TemplateError(
                        f"{path}: not a template newswatch uses (expected one of {', '.join(TEMPLATE_NAMES)}; "
                        "a file included by others must start with _)"
                    )
                self._compile(path.name)
        for message in MESSAGES:
            for style in STYLES:
                self.render(message, style, samples[message])

    def _compile(self, name: str) -> None:
        try:
            self._env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"{exc.filename or self.path_of(name)}: line {exc.lineno}: {exc.message}") from None


def _line_in(exc: BaseException, path: Path) -> str:
    """``: line N`` of the template frame in the traceback (Jinja maps frames to template lines)."""
    line = None
    traceback = exc.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == str(path):
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return f": line {line}" if line else ""


@functools.lru_cache(maxsize=8)
def templates_in(folders: tuple[Path, ...]) -> Templates:
    """One Templates per set of folders (Jinja reloads a file that changed on disk)."""
    return Templates(folders)
