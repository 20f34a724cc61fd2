"""Scoring an article against the tracked topics (pure functions)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from newswatch.config_schema import Topic
from newswatch.errors import ConfigError
from newswatch.matching import TermMatcher
from newswatch.model import TopicScore
from newswatch.regex_safety import backtracking_risk

MAX_COUNT_PER_TERM = 3  # a term repeated ten times is not ten times the evidence


@dataclass(frozen=True)
class _CompiledTopic:
    topic: Topic
    require: tuple[tuple[int, ...], ...]  # per group, the TermMatcher indexes of its terms
    terms: tuple[tuple[str, int, float], ...]  # pattern, TermMatcher index, weight
    exclude: tuple[tuple[str, int, float], ...]


def check_terms(topics: Sequence[Topic], path: Path) -> None:
    """Refuse a term that can make matching take exponential time on some article (``(a+)+b``
    on "aaa…a!": doubling per character), before any article is read.

    Raises:
        ConfigError: naming the file, the topic, where in it and the term.
    """
    for topic in topics:
        parts = (
            ("require", [term for group in topic.require for term in group]),
            ("terms", list(topic.terms)),
            ("exclude", list(topic.exclude)),
        )
        for part, terms in parts:
            for term in terms:
                risk = backtracking_risk(term, re.IGNORECASE)
                if risk is not None:
                    raise ConfigError(f"{path}: topic {topic.id}: {part}: {term!r} {risk}")


class TopicScorer:
    """Scores texts against the configured topics; every term of every topic is found in one
    pass over the text (see TermMatcher).

    ``tracked_pair``: the countries whose contacts are detected; a topic that follows other pairs
    (its ``pairs``) gets nothing from a reported contact or from naming both sides' officials.
    """

    def __init__(self, topics: list[Topic], tracked_pair: tuple[str, str] | None = None) -> None:
        patterns: list[str] = []

        def add(pattern: str) -> int:
            patterns.append(pattern)
            return len(patterns) - 1

        if tracked_pair is not None:  # a topic about another pair: the pair's evidence is not its own
            topics = [
                topic
                if topic.follows(tracked_pair)
                else topic.model_copy(update={"contact_weight": 0, "officials_weight": 0})
                for topic in topics
            ]
        self._topics = [
            _CompiledTopic(
                topic,
                tuple(tuple(add(p) for p in group) for group in topic.require),
                tuple((p, add(p), w) for p, w in topic.terms.items()),
                tuple((p, add(p), w) for p, w in topic.exclude.items()),
            )
            for topic in topics
        ]
        self._matcher = TermMatcher(patterns)

    def score(self, text: str, reports_contact: bool = False, names_both_sides: bool = False) -> tuple[TopicScore, ...]:
        """One score per topic, with the matched phrases as evidence (most weighty first).

        ``reports_contact`` adds each topic's ``contact_weight``: an article reporting a contact
        between the tracked pair is evidence for the topic that follows such contacts.
        ``names_both_sides`` adds ``officials_weight``: the article names defence officials of
        both tracked countries.
        """
        found = self._matcher.find_all(text)
        return tuple(self._score_one(compiled, found, reports_contact, names_both_sides) for compiled in self._topics)

    @staticmethod
    def _score_one(
        compiled: _CompiledTopic, found: list[list[str]], reports_contact: bool, names_both_sides: bool
    ) -> TopicScore:
        score = 0.0
        evidence: list[tuple[float, str]] = []
        if reports_contact and compiled.topic.contact_weight:
            score += compiled.topic.contact_weight
            evidence.append((compiled.topic.contact_weight, "reports a contact"))
        if names_both_sides and compiled.topic.officials_weight:
            score += compiled.topic.officials_weight
            evidence.append((compiled.topic.officials_weight, "names defence officials of both countries"))
        for _, index, weight in compiled.terms:
            matches = found[index]
            if matches:
                score += weight * min(len(matches), MAX_COUNT_PER_TERM)
                evidence.append((weight * min(len(matches), MAX_COUNT_PER_TERM), f"{matches[0]} ×{len(matches)}"))
        for label, index, weight in compiled.exclude:
            count = len(found[index])
            if count:
                score -= weight * min(count, MAX_COUNT_PER_TERM)
                evidence.append((-weight, f"excluded: {label} ×{count}"))
        # A reported contact names both countries' officials, whatever words the text uses.
        contact_counts = reports_contact and compiled.topic.contact_weight > 0
        matched = score >= compiled.topic.threshold and (
            contact_counts or all(any(found[i] for i in group) for group in compiled.require)
        )
        ranked = tuple(text for _, text in sorted(evidence, key=lambda e: -e[0]))
        return TopicScore(compiled.topic.id, round(score, 2), matched, ranked[:8])
