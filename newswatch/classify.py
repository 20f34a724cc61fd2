"""Classification: topic scores and contact detection for an article (pure functions)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace

from newswatch.detection import ContactDetector
from newswatch.errors import item_error
from newswatch.gazetteer import Gazetteer
from newswatch.model import Article, Classification, Contact, ReadFailure
from newswatch.scripts import fold_traditional
from newswatch.settings import Settings
from newswatch.topics import TopicScorer

logger = logging.getLogger(__name__)


class Classifier:
    """Everything classification needs, compiled once from the settings."""

    def __init__(self, settings: Settings) -> None:
        self.gazetteer = Gazetteer(settings)
        self.topics = TopicScorer(settings.topics, settings.core.tracked_pair)
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


def classify_each(
    classify: Callable[[Article], Classification], articles: Iterable[Article]
) -> tuple[list[Classification], list[ReadFailure]]:
    """Classify each article. An article is an item boundary: any exception classifying it is
    that article's failure (naming its ref; the traceback is logged at DEBUG), the others go on."""
    classified: list[Classification] = []
    failures: list[ReadFailure] = []
    for article in articles:
        try:
            classified.append(classify(article))
        except Exception as exc:
            logger.debug("classifying %s failed", article.ref, exc_info=True)
            failures.append(ReadFailure(article.ref, f"not classified: {item_error(exc)}"))
    return classified, failures
