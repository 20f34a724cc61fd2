"""newswatch's own exceptions: one base class, one subclass per kind of failure."""


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
