"""The detector's vocabulary, compiled once from the lexicon files (config/lexicon/<lang>.yaml):
each category of every language as one guarded pattern (newswatch.lexicon, newswatch.matching).
Text is read with traditional Chinese characters folded to simplified ones, and so are these."""

from __future__ import annotations

import re

from newswatch.lexicon import PREDICATE_MODES, join, load_lexicon
from newswatch.matching import compile_guarded
from newswatch.scripts import fold_traditional

LEXICON = load_lexicon()  # the vocabulary of every language: config/lexicon/<lang>.yaml


def _compiled(alternation: str, flags: int) -> re.Pattern[str]:
    """Fragments joined into one guarded pattern; text is read with traditional Chinese characters
    folded to simplified ones, and so are the fragments."""
    return compile_guarded(fold_traditional(alternation), flags)


def vocabulary(category: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """A lexicon category's fragments of every language, as one guarded pattern."""
    return _compiled(LEXICON.alternation(category), flags)


def by_language(category: str, flags: int = re.IGNORECASE) -> tuple[re.Pattern[str], ...]:
    """A category as one guarded pattern per language that has fragments in it: searched only
    where the sentence holds one of that language's words (a sentence in English need not try
    every other language's refusals), with the same matches as the category's one pattern."""
    return tuple(
        _compiled(join(language.fragments[category]), flags)
        for language in LEXICON.languages
        if language.fragments[category]
    )


# Contact predicates, each with the mode it implies ("call" is a call of unknown kind).
PREDICATES: list[tuple[str, re.Pattern[str]]] = [(mode, vocabulary(mode)) for mode in PREDICATE_MODES]
# "X told Y", "X hosted Y": a contact (of the mode given) only if an official follows the word.
OBJECT_PREDICATES = (("unspecified", vocabulary("told")), ("meeting", vocabulary("hosted")))
OBJECT_WINDOW = 60  # characters between "told" and the official it was told to

# Words that make a predicate something other than a contact that took place. Refusals block a
# predicate anywhere before it in the sentence; plans, hopes and conditions only within its clause
# ("Dong told Austin that the PLA will not stand by, according to an account of their video call").
REFUSALS_BY_LANGUAGE = by_language("refusals")
# Plans: the contact is announced, not held ("will meet", "expected to sit down", "将于").
PLANS_BY_LANGUAGE = by_language("plans")
# Conditions and wishes: nothing happened and nothing is set ("could meet", "hopes to talk").
CONDITIONS_BY_LANGUAGE = by_language("conditions")
CLAUSE_START = vocabulary("clause_starts", 0)
# Where the place of a meeting can no longer be stated: "…on Friday, a day after X met Y in Busan".
LOCATION_STOP = vocabulary("location_stops", 0)
# Text after these words speaks of an earlier contact ("the first meeting since Austin sat down
# with Wei"): predicates and officials there are background.
BACKGROUND_TAIL = vocabulary("background_tail")
REPORTED_ON = vocabulary("reported_on")

# Refusals, conditions and plans right after the predicate, in its clause, where verb-final
# languages put them ("会談する予定", "회담할 예정", "the meeting will be his first"); what makes
# it a gathering of many ("a meeting of defence ministers"); an earlier contact recalled.
REFUSALS_AFTER = vocabulary("refusals_after")
CONDITIONS_AFTER = vocabulary("conditions_after")
PLANS_AFTER = vocabulary("plans_after")
FORUMS_AFTER = vocabulary("forums_after")
EARLIER = vocabulary("earlier")

# Right before a predicate, an infinitive or a future announces it ("wanted to talk to", "he'll
# meet"); in a headline, an infinitive anywhere before it does ("Pentagon chief to travel to
# Asia, sit down with…"), since headlines report in the present tense.
INFINITIVE = vocabulary("infinitives")
HEADLINE_INFINITIVE = vocabulary("headline_infinitives", 0)
DATELINE_CITIES = LEXICON.dateline_cities  # a city as text writes it → its English name
# Right before a meeting's place ("in Helsinki", "в Берне"): case-sensitive.
PLACE_BEFORE = LEXICON.alternation("place_before")
