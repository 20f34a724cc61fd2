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
        alerts = settings.core.alerts
        self.contacts = ContactDetector(self.gazetteer, settings.core.venues, alerts.recency_days)

    def classify(self, article: Article) -> Classification:
        """Score the article against every topic and detect the contact it reports, if any."""
        detection = self.contacts.analyse(article)
        return Classification(
            article=article,
            topics=self.topics.score(
                article.text,
                reports_contact=detection.contact is not None,
                names_both_sides=detection.names_both_sides,
            ),
            contact=detection.contact,
        )
