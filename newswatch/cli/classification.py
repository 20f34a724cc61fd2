"""The commands that run the classifier on seed-format files and keep nothing: ``classify``
(what it finds in each file) and ``eval`` (how well it does on a labelled corpus)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from newswatch.cli.core import app
from newswatch.cli.options import JsonOption, PathsArgument, global_options
from newswatch.cli.output import contact_text, echo, echo_json
from newswatch.cli.status import ExitStatus
from newswatch.model import Article, Classification, Contact, ReadFailure
from newswatch.seeds import nothing_readable

if TYPE_CHECKING:
    from newswatch.evaluate import Evaluation


def _contact_json(contact: Contact) -> dict[str, Any]:
    return {
        "date": contact.date.isoformat(),
        "mode": contact.mode,
        "location": contact.location,
        "participants": [{"name": p.name, "country": p.country, "office": p.office} for p in contact.participants],
        "evidence": list(contact.evidence),
        "status": contact.status,
        "level": contact.level,
        "historical": contact.historical,
        "confidence": contact.confidence,
        "matched": list(contact.rules),
    }


def _classification_json(item: Classification, min_level: str) -> dict[str, Any]:
    """``contact`` is a contact that took place at the alerted level or above; a meeting announced
    for later is ``planned``; lower-level talks are ``working_level``."""
    contact = item.contact
    reported = item.reported_contact(min_level)
    held = contact is not None and contact.status == "held"
    return {
        "ref": item.article.ref,
        "published": item.article.published.isoformat(),
        "language": item.article.language,
        "topics": [{"id": t.topic_id, "score": t.score} for t in item.topics if t.matched],
        "contact": _contact_json(reported) if reported is not None else None,
        "planned": _contact_json(contact) if contact is not None and not held else None,
        "working_level": _contact_json(contact) if contact is not None and held and reported is None else None,
    }


def _classification_lines(result: Classification) -> str:
    topics = ", ".join(f"{t.topic_id} {t.score:g}" for t in result.topics if t.matched) or "no topic"
    line = f"{result.article.ref} ({result.article.published.isoformat()}): {topics}"
    if result.contact:
        c = result.contact
        kind = c.status if c.status == "planned" else "contact"
        line += f"\n  {kind} {contact_text(c.date, c.mode, c.location, c.participants)}"
    return line


def read_articles(paths: list[Path]) -> tuple[list[Article], list[ReadFailure]]:
    """The articles of the seed files under ``paths``; each file that cannot be read is named on
    stderr and skipped. Nothing to read is an error, not a partial success: a path that does not
    exist, a folder without ``*.txt`` files, or files none of which can be read.

    Raises:
        SeedFileError: naming the path, or the one file, at fault.
    """
    from newswatch.seeds import check_seed_paths, read_seed_files

    check_seed_paths(paths)
    articles, failures = read_seed_files(paths)
    unreadable(failures, read=len(articles))
    return articles, failures


def unreadable(failures: list[ReadFailure], *, read: int) -> None:
    """Name each file that could not be read; when none could (``read`` is 0), that is the error.

    Raises:
        SeedFileError: no file could be read (one file: its own error).
    """
    if not read and len(failures) == 1:
        raise nothing_readable([], failures)
    for failure in failures:
        echo(f"skipped {failure.path}: {failure.reason}", err=True)
    if not read:
        raise nothing_readable([], failures)


@app.command()
def classify(ctx: typer.Context, paths: PathsArgument, as_json: JsonOption = False) -> None:
    """Classify seed-format files without storing anything: topics and the contact, if any.

    Example: newswatch classify seeds/ --json
    """
    from newswatch.classify import Classifier, classify_each
    from newswatch.settings import load_settings

    settings = load_settings(global_options(ctx).config)
    articles, failures = read_articles(paths)
    classifier = Classifier(settings)
    results, unclassified = classify_each(classifier.classify, articles)  # a failing article is its failure
    for failure in unclassified:
        echo(f"skipped {failure.path}: {failure.reason}", err=True)
    if as_json:
        echo_json([_classification_json(r, settings.core.alerts.min_level) for r in results])
    else:
        for result in results:
            echo(_classification_lines(result))
    if failures or unclassified:
        raise typer.Exit(ExitStatus.PARTIAL)


@app.command("eval")
def eval_command(
    ctx: typer.Context,
    paths: PathsArgument,
    labels: Annotated[Path, typer.Option("--labels", metavar="FILE", help="labels.json of the corpus.")],
    as_json: JsonOption = False,
    min_f1: Annotated[float, typer.Option("--min-f1", help="Fail below this contact F1.")] = 0.0,
    min_precision: Annotated[float, typer.Option("--min-precision", help="Fail below this contact precision.")] = 0.0,
    min_recall: Annotated[float, typer.Option("--min-recall", help="Fail below this contact recall.")] = 0.0,
    max_split: Annotated[int, typer.Option("--max-split", help="Fail above this many split events.")] = 1_000_000,
    max_merged: Annotated[int, typer.Option("--max-merged", help="Fail above this many merged events.")] = 1_000_000,
    min_date_accuracy: Annotated[
        float, typer.Option("--min-date-accuracy", help="Fail below this share of dates within a day.")
    ] = 0.0,
    min_participant_accuracy: Annotated[
        float, typer.Option("--min-participant-accuracy", help="Fail below this share of exact participants.")
    ] = 0.0,
) -> None:
    """Measure contact detection on a labelled corpus, replayed into a throwaway database.

    Prints contact precision, recall and F1 (overall and per language), events found against
    expected, split and merged events, date and participant accuracy, topic precision and recall,
    and one line per error naming the file. Exits 4 when a figure is below its threshold.

    Example: newswatch eval ../shared/corpus/dev --labels ../shared/corpus/dev/labels.json --min-f1 0.97 --max-split 0 --max-merged 0
    """
    from newswatch.app.evaluation import evaluate_corpus
    from newswatch.evaluate import load_labels
    from newswatch.progress import showing_progress
    from newswatch.settings import load_settings

    settings = load_settings(global_options(ctx).config)
    expected = load_labels(labels)
    articles, _ = read_articles(paths)
    with showing_progress():
        result = evaluate_corpus(articles, expected, settings)
    checks = [
        ("contact F1", result.contacts.f1, min_f1, False),
        ("contact precision", result.contacts.precision, min_precision, False),
        ("contact recall", result.contacts.recall, min_recall, False),
        ("split events", len(result.split_events), max_split, True),
        ("merged events", len(result.merged_events), max_merged, True),
        ("date accuracy", result.date_accuracy, min_date_accuracy, False),
        ("participant accuracy", result.participant_accuracy, min_participant_accuracy, False),
    ]
    failed = [
        f"{name} {value:g} {'>' if at_most else '<'} {limit:g}"
        for name, value, limit, at_most in checks
        if (value > limit if at_most else value < limit)
    ]
    if as_json:
        echo_json({**result.as_dict(), "below_thresholds": failed})
    else:
        _print_evaluation(result)
        for line in failed:
            echo(f"BELOW THRESHOLD: {line}")
    if failed:
        raise typer.Exit(ExitStatus.BELOW_THRESHOLD)


def _print_evaluation(result: Evaluation) -> None:
    c = result.contacts
    echo(f"Articles: {result.articles}")
    echo(
        f"Contacts: precision {c.precision:.3f}, recall {c.recall:.3f}, F1 {c.f1:.3f} "
        f"(tp {c.true_positive}, fp {c.false_positive}, fn {c.false_negative})"
    )
    for language, score in sorted(result.by_language.items()):
        echo(f"  {language}: precision {score.precision:.3f}, recall {score.recall:.3f}, F1 {score.f1:.3f}")
    echo(
        f"Events: {result.events_found} found, {result.events_expected} expected; "
        f"{len(result.split_events)} split, {len(result.merged_events)} merged"
    )
    echo(
        f"Dates within a day: {result.dates_within_a_day}/{result.matched_contacts} (exact {result.dates_exact}); "
        f"participants exact: {result.participants_exact}/{result.matched_contacts}; "
        f"modes exact: {result.modes_exact}/{result.matched_contacts}"
    )
    echo(
        f"Alerts: {result.alerts} for {result.events_expected} contacts: {result.alerts_right} right, "
        f"{len(result.alerts_duplicate)} duplicates, {len(result.alerts_false)} for no contact"
    )
    echo("Topics:")
    for topic, score in sorted(result.topics.items()):
        echo(f"  {topic}: precision {score.precision:.3f}, recall {score.recall:.3f}")
    if result.missing:
        echo(f"Missing ({len(result.missing)} labelled files not given): {', '.join(result.missing[:10])}")
    if result.errors:
        echo(f"Errors ({len(result.errors)}):")
        for error in result.errors:
            echo(f"  {error}")
