"""Scoring an article against the tracked topics (pure functions)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from newswatch.prefilter import PatternFilter
from newswatch.records import TopicScore
from newswatch.settings import Topic

MAX_COUNT_PER_TERM = 3  # a term repeated ten times is not ten times the evidence


_CJK = re.compile(r"[\u3400-\u9fff]")


def _bounded(pattern: str) -> str:
    """Whole words for alphabetic terms; Chinese has no spaces, so no word boundaries there."""
    return f"(?:{pattern})" if _CJK.search(pattern) else rf"(?<![\w-])(?:{pattern})(?![\w-])"


def _compile(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(_bounded(p) for p in patterns), re.IGNORECASE)


@dataclass(frozen=True)
class _CompiledTopic:
    topic: Topic
    require: tuple[re.Pattern[str], ...]
    terms: tuple[tuple[str, re.Pattern[str], float], ...]
    exclude: tuple[tuple[str, re.Pattern[str], float], ...]


class TopicScorer:
    """Scores texts against the configured topics; patterns are compiled once."""

    def __init__(self, topics: list[Topic]) -> None:
        self._topics = [
            _CompiledTopic(
                topic,
                tuple(_compile(*group) for group in topic.require),
                tuple((p, _compile(p), w) for p, w in topic.terms.items()),
                tuple((p, _compile(p), w) for p, w in topic.exclude.items()),
            )
            for topic in topics
        ]
        # Every pattern of every topic, so one pass finds which can match an article at all.
        patterns = [
            regex
            for compiled in self._topics
            for regex in (*compiled.require, *(r for _, r, _ in compiled.terms), *(r for _, r, _ in compiled.exclude))
        ]
        self._filter = PatternFilter(patterns)
        self._index = {id(regex): index for index, regex in enumerate(patterns)}

    def score(self, text: str, reports_contact: bool = False, names_both_sides: bool = False) -> tuple[TopicScore, ...]:
        """One score per topic, with the matched phrases as evidence (most weighty first).

        ``reports_contact`` adds each topic's ``contact_weight``: an article reporting a contact
        between the tracked pair is evidence for the topic that follows such contacts.
        ``names_both_sides`` adds ``officials_weight``: the article names defence officials of
        both tracked countries.
        """
        possible = set(self._filter.candidates(text))
        return tuple(
            self._score_one(compiled, text, reports_contact, names_both_sides, lambda r: self._index[id(r)] in possible)
            for compiled in self._topics
        )

    @staticmethod
    def _score_one(
        compiled: _CompiledTopic,
        text: str,
        reports_contact: bool,
        names_both_sides: bool,
        may_match: Callable[[re.Pattern[str]], bool],
    ) -> TopicScore:
        score = 0.0
        evidence: list[tuple[float, str]] = []
        if reports_contact and compiled.topic.contact_weight:
            score += compiled.topic.contact_weight
            evidence.append((compiled.topic.contact_weight, "reports a contact"))
        if names_both_sides and compiled.topic.officials_weight:
            score += compiled.topic.officials_weight
            evidence.append((compiled.topic.officials_weight, "names defence officials of both countries"))
        for _, regex, weight in compiled.terms:
            matches = [m.group(0) for m in regex.finditer(text)] if may_match(regex) else []
            if matches:
                score += weight * min(len(matches), MAX_COUNT_PER_TERM)
                evidence.append((weight * min(len(matches), MAX_COUNT_PER_TERM), f"{matches[0]} ×{len(matches)}"))
        for label, regex, weight in compiled.exclude:
            count = sum(1 for _ in regex.finditer(text)) if may_match(regex) else 0
            if count:
                score -= weight * min(count, MAX_COUNT_PER_TERM)
                evidence.append((-weight, f"excluded: {label} ×{count}"))
        # A reported contact names both countries' officials, whatever words the text uses.
        contact_counts = reports_contact and compiled.topic.contact_weight > 0
        required = contact_counts or all(may_match(regex) and regex.search(text) for regex in compiled.require)
        matched = required and score >= compiled.topic.threshold
        ranked = tuple(text for _, text in sorted(evidence, key=lambda e: -e[0]))
        return TopicScore(compiled.topic.id, round(score, 2), matched, ranked[:8])
