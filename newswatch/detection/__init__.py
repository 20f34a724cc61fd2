"""Detecting a high-level military contact in an article (pure functions), in three stages.

A contact is a call, video call, meeting or visit that took place between a senior official of
each tracked country, at least one of them defence or military leadership.

1. ``sentences``: what each sentence says (its references to officials, its contact predicates
   and whether each is held, announced or set aside);
2. ``candidates``: a predicate with one official of each side is a candidate; candidates of the
   same two people on the same days form a group;
3. ``article``: the group the article's lead is about is its contact, with its date, mode,
   place and evidence; or the contact its lead announces; or none.

The words each stage looks for are data (``vocabulary``, from config/lexicon/<lang>.yaml).
"""

from newswatch.detection.article import ContactDetector, Detection

__all__ = ["ContactDetector", "Detection"]
