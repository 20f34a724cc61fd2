"""Classification: topic scores and contact detection for an article (pure functions)."""

from __future__ import annotations

from newswatch.contacts import ContactDetector
from newswatch.gazetteer import Gazetteer
from newswatch.records import Article, Classification
from newswatch.settings import Settings
from newswatch.topics import TopicScorer


class Classifier:
    """Everything classification needs, compiled once from the settings."""

    def __init__(self, settings: Settings) -> None:
        self.gazetteer = Gazetteer(settings)
        self.topics = TopicScorer(settings.topics)
        self.contacts = ContactDetector(self.gazetteer, settings.core.venues, settings.core.alerts.min_level)

    def classify(self, article: Article) -> Classification:
        """Score the article against every topic and detect the contact it reports, if any."""
        contact = self.contacts.detect(article)
        return Classification(
            article=article,
            topics=self.topics.score(article.text, reports_contact=contact is not None),
            contact=contact,
        )
