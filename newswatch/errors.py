"""newswatch's own exceptions: one base class, one subclass per kind of failure; and how any
failure of one item is told in one line."""

from newswatch.urls import mask_credentials


class NewswatchError(Exception):
    """Base class of every error newswatch raises on purpose."""


class ConfigError(NewswatchError):
    """A configuration file is missing, malformed or invalid."""


class SeedFileError(NewswatchError):
    """A seed-format article file cannot be read or parsed."""


class StorageError(NewswatchError):
    """The database cannot be reached or is not in the expected state."""


class NotificationError(NewswatchError):
    """A notification could not be delivered."""


class TemplateError(ConfigError):
    """A message template cannot be compiled or rendered."""


def item_error(exc: BaseException) -> str:
    """One line saying what went wrong with one item (a feed, a page, a file, an article):
    "<ExceptionType>: <message>", stored and shown, so a URL's credentials in it are masked. A
    database error is told by the driver's own error (SQLAlchemy's ``orig``), without the SQL and
    the parameters SQLAlchemy adds (an article's whole text)."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    message = mask_credentials(lines[0][:300]) if lines else ""
    return f"{type(cause).__name__}: {message}" if message else type(cause).__name__
