"""newswatch: watch the news for high-level military contacts between two countries (the tracked
pair of its configuration) and alert on new ones."""

__version__ = "0.1.0"
