"""newswatch: watch the news for high-level US–China military contacts and alert on new ones."""

__version__ = "0.1.0"
