"""Evaluating the detection on a labelled corpus: classify its articles, store them in a
throwaway database (so that events are grouped and alerted as in a real run), and measure."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from typing import Any

from newswatch.app.storing import store_classifications
from newswatch.classify import Classifier
from newswatch.evaluate import Evaluation, evaluate
from newswatch.model import Article
from newswatch.progress import tracked
from newswatch.settings import Settings
from newswatch.storage.database import open_database


def evaluate_corpus(articles: Sequence[Article], expected: dict[str, dict[str, Any]], settings: Settings) -> Evaluation:
    """Measure contact detection, event grouping and alerting on the labelled ``articles``.

    Args:
        articles: the corpus's articles; those without a label are left out.
        expected: the labels (``newswatch.evaluate.load_labels``), by article ref.
        settings: the configuration the classifier runs with.

    Returns:
        The evaluation.
    """
    min_level = settings.core.alerts.min_level
    # Replayed as they were published: an announcement before the report that it took place.
    labelled = sorted((a for a in articles if a.ref in expected), key=lambda a: (a.published, a.ref))
    classifier = Classifier(settings)
    with tempfile.TemporaryDirectory(prefix="newswatch-eval-") as folder:
        classifications = [classifier.classify(article) for article in tracked(labelled, "Classifying")]
        stored = store_classifications(
            open_database(f"sqlite:///{folder}/eval.db"), classifications, [], min_level=min_level
        )
    return evaluate(
        classifications,
        expected,
        {s.ref: s.event_id for s in stored},
        min_level,
        alerts=[(s.event_id, s.ref) for s in stored if s.new_event and s.event_id is not None],
    )
