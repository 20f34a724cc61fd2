"""Classification: topic scores and contact detection for an article (pure functions)."""

from __future__ import annotations

from dataclasses import replace

from newswatch.detection import ContactDetector
from newswatch.gazetteer import Gazetteer
from newswatch.records import Article, Classification, Contact
from newswatch.scripts import fold_traditional
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
        """Score the article against every topic and detect the contact it reports, if any.

        Traditional Chinese is read in its simplified form (the gazetteer's and the lexicon's);
        the evidence quotes the article as written."""
        folded = fold_traditional(article.text)
        read = article if folded is article.text else replace(article, text=folded)
        detection = self.contacts.analyse(read)
        contact = detection.contact
        if contact is not None and read is not article:
            contact = _quoted_from(contact, article.text, folded)
        return Classification(
            article=article,
            topics=self.topics.score(
                folded,
                reports_contact=contact is not None,
                names_both_sides=detection.names_both_sides,
            ),
            contact=contact,
        )


def _quoted_from(contact: Contact, original: str, folded: str) -> Contact:
    """The contact with its evidence as the original text has it (folding keeps offsets)."""
    quotes = []
    for sentence in contact.evidence:
        at = folded.find(sentence)
        quotes.append(original[at : at + len(sentence)] if at >= 0 else sentence)
    return replace(contact, evidence=tuple(quotes))
