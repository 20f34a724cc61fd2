"""classify: articles per second of the classifier on one core, over the generated mix.

Reference: one ``finditer`` pass over the same texts of a single compiled regular expression of
every name the gazetteer knows (officials' names and aliases, office titles and their aliases,
country words): the least any classifier must do to find the officials in the text.
"""

from __future__ import annotations

import re

from benchmarks.corpus import check_detection, generate_corpus
from benchmarks.harness import PeakMemory, Result, compared, log, side_by_side, timed
from newswatch.classify import Classifier
from newswatch.model import Article, Classification
from newswatch.settings import Settings, load_settings

ARTICLES = {False: 2000, True: 100}  # full, smoke
WARM_UP = 20  # the language model loads on first use


def gazetteer_regex(settings: Settings) -> re.Pattern[str]:
    """One alternation of every gazetteer name, longest first, as whole words (case-sensitive:
    the cheaper of the two ways to run it)."""
    names: set[str] = set()
    for official in settings.officials.officials:
        names.update((official.name, *official.aliases))
    for office in settings.officials.offices.values():
        names.update((office.name, *office.aliases, *office.qualified_aliases))
    for country in settings.core.countries.values():
        names.update((country.name, *country.names))
    alternation = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")


def run(smoke: bool, repeat: int) -> list[Result]:
    settings = load_settings()
    memory = PeakMemory()
    generated = generate_corpus(settings, ARTICLES[smoke])
    articles = [a.as_article() for a in generated]
    classifier = Classifier(settings)
    regex = gazetteer_regex(settings)
    for article in articles[:WARM_UP]:
        classifier.classify(article)
    first: list[Classification] = []

    def classify_all(rep: int) -> float:
        elapsed, results = timed(lambda: [classifier.classify(a) for a in articles])
        first[:] = first or results
        return elapsed

    def scan_all(rep: int) -> float:
        return timed(lambda: _scan(regex, articles))[0]

    with memory.phase():
        samples, reference = side_by_side(classify_all, scan_all, repeat, "classify")
    check = check_detection(generated, first)
    log(check.summary())
    for line in check.missed:
        log(f"  missed: {line}")
    for line in check.false_positives:
        log(f"  false positive: {line}")
    words = sum(a.words for a in generated) / len(generated)
    notes = f"{check.summary()}; {words:.0f} words per article on average"
    if check.false_positives:
        notes += "; false positives, e.g. " + check.false_positives[0]
    if check.missed:
        notes += "; missed, e.g. " + check.missed[0]
    return [compared("classify", len(articles), samples, reference, memory.process_mb, throughput=True, notes=notes)]


def _scan(regex: re.Pattern[str], articles: list[Article]) -> int:
    return sum(1 for article in articles for _ in regex.finditer(article.text))
