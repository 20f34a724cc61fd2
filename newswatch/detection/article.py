"""The article's contact: of the candidate groups, the one its lead is about, with its date,
mode, place, participants and evidence; or a contact the lead announces; or none.

The article reports a contact only if its lead is about one: a group with evidence in the first
paragraph of prose (past page furniture and headlines), or a lead that speaks of a contact
between the two countries and a group in the next paragraphs that names its participants, or a
contact further down that its sentence dates to the last days. Contacts mentioned only further
down, as background, are not the article's contact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from newswatch.dates import TIME_ZONE_SLACK, DateMention
from newswatch.detection.candidates import Candidate, CandidateFinder, Group, add_to_groups, nearest_date
from newswatch.detection.page_date import PastTitle, date_stands, find_past_titles, written_between
from newswatch.detection.places import contact_location, strip_dateline
from newswatch.detection.sentences import (
    LEAD_MIN_WORDS,
    SentenceFacts,
    find_mentions,
    is_headline,
    read_sentence,
    same_time,
    screen,
    words,
)
from newswatch.gazetteer import Gazetteer, Mention
from newswatch.model import MODE_RANK, Article, Contact, Mode, Participant
from newswatch.text import Sentence, split_article

_HEADLINE_REACH = 6  # paragraphs before the lead that can be its headline and subheadline
# A contact reported below the lead counts when its sentence dates it this close before the article.
_LATER_CONTACT_REACH = dt.timedelta(days=3)


@dataclass(frozen=True)
class Detection:
    """What the detector found in an article."""

    contact: Contact | None
    names_both_sides: bool  # it refers to a defence official of each tracked country


def _confidence(in_lead: bool, named: bool, exact_date: bool, mode_stated: bool, sentences: int) -> float:
    """How sure the detector is, from how directly the article states the contact."""
    score = 0.5 + 0.2 * in_lead + 0.1 * named + 0.1 * exact_date + 0.05 * mode_stated + 0.05 * (sentences > 1)
    return round(min(score, 1.0), 2)


def _rules(candidates: Sequence[Candidate]) -> tuple[str, ...]:
    """What matched: the predicates and how each participant was recognised."""
    found = [f"predicate “{c.predicate_text}” ({c.mode})" for c in candidates]
    found += [reference for c in candidates for reference in c.references]
    return tuple(dict.fromkeys(found))


class ContactDetector:
    """Finds the contact an article reports, using the gazetteer and the configured venues."""

    def __init__(self, gazetteer: Gazetteer, venues: dict[str, str], recency_days: int = 30) -> None:
        self.gazetteer = gazetteer
        self.venues = venues
        self.recency_days = recency_days
        self.candidates = CandidateFinder(gazetteer)

    # --- the article -----------------------------------------------------------------------

    def detect(self, article: Article) -> Contact | None:
        """The contact the article reports, or None."""
        return self.analyse(article).contact

    def analyse(self, article: Article) -> Detection:
        """The contact the article reports, if any, and whether it names both sides' officials.

        Args:
            article: the article; its publication date anchors relative dates.

        Returns:
            The contact with its date, mode, participants, location and evidence sentences, and
            whether the article refers to a defence official of each tracked country.
        """
        body, dateline_city = strip_dateline(article.text)
        references = self.gazetteer.references(body)
        pair = set(self.gazetteer.pair)
        if not pair <= self.gazetteer.sides_referenced(references):
            # A contact needs an official of each side: most news refers to neither, or to one.
            return Detection(None, names_both_sides=False)
        sentences = split_article(body)
        hits = self.gazetteer.scan(sentences, references)
        countries = [{code for _, _, code in h.countries} for h in hits]
        past_titles = find_past_titles(self.gazetteer, sentences, hits, article.published)
        past_holders = {past.office_id: past.official_id for past in past_titles}
        mentions = find_mentions(self.gazetteer, sentences, hits, countries, article.published, past_holders)
        if not pair <= {m.country for ms in mentions for m in ms}:
            return Detection(None, names_both_sides=False)
        officials = {m.official_id for ms in mentions for m in ms if m.official_id}
        defence_sides = {
            self.gazetteer.officials[o].country
            for o in officials
            if self.gazetteer.role_on(o, article.published)[1].defence
        }
        contact = self._contact(
            article,
            sentences,
            mentions,
            countries,
            dateline_city,
            screen(body, sentences),
            past_titles,
        )
        return Detection(contact, names_both_sides=pair <= defence_sides)

    def _contact(
        self,
        article: Article,
        sentences: list[Sentence],
        mentions: list[list[Mention]],
        countries: list[set[str]],
        dateline_city: str | None,
        screens: list[set[int]],
        past_titles: Sequence[PastTitle] = (),
    ) -> Contact | None:
        """The article's contact; ``past_titles``: see find_past_titles."""
        anchor = article.published
        facts = [
            read_sentence(sentence, sentence_mentions, sentence_countries, anchor, sentence_screen)
            for sentence, sentence_mentions, sentence_countries, sentence_screen in zip(
                sentences, mentions, countries, screens, strict=True
            )
        ]
        for fact in facts:
            if fact.predicates or fact.planned_predicates:
                self.candidates.attach(fact)
        groups: dict[tuple[str, str], list[Group]] = {}
        for position, fact in enumerate(facts):
            for candidate in fact.candidates:
                # Leaders or diplomats only (no defence official): another story's contact ("a
                # week after Biden met Xi, the defence ministers met too"), never this one.
                if self.candidates.level(candidate.participants, anchor) is None:
                    continue
                if candidate.date is None:  # the last day stated earlier in the paragraph, if any
                    candidate.date = self._previous_day(facts[:position], fact.sentence.paragraph)
                add_to_groups(groups, candidate)
        lead_paragraphs = self._lead_paragraphs(facts)
        lead = [f for f in facts if f.sentence.paragraph in lead_paragraphs]
        chosen = self._lead_group(groups, lead) or self._later_group(groups, lead_paragraphs, anchor)
        if chosen is None:
            return self._planned(facts, lead, anchor)
        group, via_lead = chosen
        if via_lead and self._announced_in_body(group, lead):
            return self._planned(facts, lead, anchor)
        lead_support = [f for f in lead if f.predicates] if via_lead else []
        date_mention = group.date or self._lead_date(lead_support)
        day = date_mention.date if date_mention else anchor
        if day > anchor + TIME_ZONE_SLACK:
            # Dated after its article: it has not happened yet; announced, or nothing.
            return self._planned(facts, lead, anchor)
        window = None
        written = written_between(past_titles, group.participants)
        if written is not None and not date_stands(date_mention, written):
            # Resolved against a page date the text contradicts: only the window is known.
            date_mention, day, window = None, written[1], written
        level = self.candidates.level(group.participants, day)
        if level is None:
            return None
        if window is None and (date_mention is None or date_mention.precision != "day"):
            refined = self._supporting_date(group, facts, day)
            if refined is not None:
                date_mention, day = refined, refined.date
        mode = self._mode(group, facts, lead_support, day)
        first, second = group.participants
        participants = (self._participant(first, day, second), self._participant(second, day, first))
        # Sentences naming both participants first, then the lead sentences that framed the contact.
        evidence_sentences = [c.sentence for c in group.candidates] + [f.sentence for f in lead_support]
        evidence = tuple(dict.fromkeys(s.text for s in evidence_sentences))
        location = contact_location(group, sentences, mode, dateline_city, day, anchor, self.venues)
        lead_indexes = {f.sentence.index for f in lead}
        confidence = _confidence(
            in_lead=any(c.sentence.index in lead_indexes for c in group.candidates),
            named=any(c.named for c in group.candidates),
            exact_date=date_mention is not None and date_mention.precision == "day",
            mode_stated=mode != "unspecified",
            sentences=len(evidence),
        )
        return Contact(
            date=day,
            mode=mode,
            participants=participants,
            location=location,
            evidence=evidence,
            date_is_explicit=date_mention is not None,
            date_window=window,
            status="held",
            level=level,
            historical=(anchor - day).days > self.recency_days,
            confidence=confidence,
            rules=_rules(group.candidates),
        )

    def _planned(self, facts: list[SentenceFacts], lead: list[SentenceFacts], anchor: dt.date) -> Contact | None:
        """A contact the lead announces for the future ("will meet", "are expected to sit down")."""
        lead_indexes = {f.sentence.index for f in lead}
        candidates = [c for f in facts for c in f.planned if c.sentence.index in lead_indexes]
        if not candidates:
            return None
        first_candidate = candidates[0]
        same = [c for c in candidates if c.participants == first_candidate.participants]
        dated = next((c.date for c in same if c.date is not None and c.date.precision == "day"), None)
        day = dated.date if dated else anchor
        level = self.candidates.level(first_candidate.participants, day)
        if level is None:
            return None
        first, second = first_candidate.participants
        modes = [c.mode for c in same]
        best = max(modes, key=lambda m: MODE_RANK[m])
        return Contact(
            date=day,
            mode="phone_call" if best == "call" else best,  # type: ignore[arg-type]
            participants=(self._participant(first, day, second), self._participant(second, day, first)),
            evidence=tuple(dict.fromkeys(c.sentence.text for c in same)),
            date_is_explicit=dated is not None,
            status="planned",
            level=level,
            confidence=_confidence(
                True, any(c.named for c in same), dated is not None, best != "unspecified", len(same)
            ),
            rules=_rules(same),
        )

    @staticmethod
    def _announced_in_body(group: Group, lead: list[SentenceFacts]) -> bool:
        """Whether the lead's first sentence about the two people, past its headlines,
        announces their contact: a headline without a tense ("오스틴-둥쥔, 샹그릴라대화 계기
        회동", "Austin-Dong talks at Shangri-La") is read as the story under it tells it, and
        a contact the lead reports after the announcement is background. (A contact reported
        below the lead, the lead saying only what comes next, is the news.)"""
        lead_indexes = {fact.sentence.index for fact in lead}
        if not any(c.sentence.index in lead_indexes for c in group.candidates):
            return False
        for fact in lead:
            if is_headline(fact.sentence.text):
                continue
            if any(c.participants == group.participants for c in fact.candidates):
                return False
            if any(c.participants == group.participants for c in fact.planned):
                return True
        return False

    @staticmethod
    def _previous_day(earlier: Sequence[SentenceFacts], paragraph: int) -> DateMention | None:
        """The last day-precise date of the prose before, in the same paragraph: not a line of
        page furniture ("2024-09-25", "Updated 10:42"), which dates the page, not the contact."""
        for fact in reversed(earlier):
            if fact.sentence.paragraph != paragraph:
                break
            if is_headline(fact.sentence.text):
                continue
            day_dates = [d for d in fact.dates if d.precision == "day"]
            if day_dates:
                return day_dates[-1]
        return None

    @staticmethod
    def _lead_paragraphs(facts: Sequence[SentenceFacts]) -> set[int]:
        """The story's lead, past the page's furniture, with its headline.

        The lead is the first paragraph of prose (LEAD_MIN_WORDS or more, headlines not
        counted) that refers to a country or an official: site names, mastheads, date lines,
        bylines, captions and banners are short or refer to no one. The short paragraphs before it that do refer to
        someone are its headline and subheadline."""
        paragraphs: dict[int, list[SentenceFacts]] = {}
        for fact in facts:
            paragraphs.setdefault(fact.sentence.paragraph, []).append(fact)
        headlines: list[int] = []
        first_prose: int | None = None
        for paragraph, paragraph_facts in paragraphs.items():  # in order; most leads come first
            refers = any(f.countries or f.officials for f in paragraph_facts)
            prose = (f.sentence.text for f in paragraph_facts if not is_headline(f.sentence.text))
            if sum(words(text) for text in prose) < LEAD_MIN_WORDS:
                if refers:
                    headlines.append(paragraph)
                continue
            if refers:
                return {paragraph, *(p for p in headlines if p >= paragraph - _HEADLINE_REACH)}
            if first_prose is None:
                first_prose = paragraph
        return {first_prose if first_prose is not None else next(iter(paragraphs))}

    @staticmethod
    def _later_group(
        groups: dict[tuple[str, str], list[Group]], lead_paragraphs: set[int], anchor: dt.date
    ) -> tuple[Group, bool] | None:
        """A contact reported further down when the lead reports none (a newsletter's item, a
        feature's news peg): one whose own sentence dates it to the last days before the article.
        An older contact mentioned further down is background."""
        ordered = sorted((g for gs in groups.values() for g in gs), key=lambda g: g.first_index)
        for group in ordered:
            for candidate in group.candidates:
                date = candidate.date
                if (
                    date is not None
                    and date.precision == "day"
                    and candidate.sentence.paragraph > max(lead_paragraphs)
                    and dt.timedelta(0) <= anchor - date.date <= _LATER_CONTACT_REACH
                ):
                    return group, False
        return None

    @staticmethod
    def _lead_date(lead_support: list[SentenceFacts]) -> DateMention | None:
        for fact in lead_support:
            for predicate in fact.predicates:
                date = nearest_date(fact.dates, predicate, fact.sentence.text)
                if date is not None and date.precision == "day":
                    return date
        return None

    def _lead_group(
        self, groups: dict[tuple[str, str], list[Group]], lead: list[SentenceFacts]
    ) -> tuple[Group, bool] | None:
        """The group the article's lead is about, and whether it was found through the lead's
        wording rather than a full candidate in the lead."""
        ordered = sorted((g for gs in groups.values() for g in gs), key=lambda g: g.first_index)
        lead_indexes = {f.sentence.index for f in lead}
        for group in ordered:
            if any(c.sentence.index in lead_indexes for c in group.candidates):
                return group, True
        countries = set().union(*(f.countries for f in lead if f.predicates)) if lead else set()
        if not set(self.gazetteer.pair) <= countries:
            return None
        lead_officials = set().union(*(f.officials for f in lead))
        lead_paragraph = lead[-1].sentence.paragraph
        for group in ordered:
            if not any(c.sentence.paragraph <= lead_paragraph + 2 for c in group.candidates):
                continue
            consistent = all(
                official in lead_officials
                for official in group.participants
                if any(
                    self.gazetteer.officials[o].country == self.gazetteer.officials[official].country
                    for o in lead_officials
                )
            )
            if consistent:
                return group, True
        return None

    def _supporting(self, group: Group, facts: list[SentenceFacts], day: dt.date) -> list[SentenceFacts]:
        """Sentences that speak of the contact without naming anyone else ("The two spoke by video",
        "the call took place on Monday"): a predicate, no other official, no other country, no
        date that contradicts the contact's."""
        members = set(group.participants)
        foreign = set(self.gazetteer.countries) - set(self.gazetteer.pair)
        return [
            fact
            for fact in facts
            if fact.predicates
            and fact.officials <= members
            and not fact.countries & foreign
            and (not fact.dates or any(same_time(d, day) for d in fact.dates))
        ]

    def _supporting_date(self, group: Group, facts: list[SentenceFacts], day: dt.date) -> DateMention | None:
        for fact in self._supporting(group, facts, day):
            precise = [d for d in fact.dates if d.precision == "day" and same_time(d, day)]
            if precise:
                return min(precise, key=lambda d: min(abs(d.start - p.end) for p in fact.predicates))
        return None

    def _mode(self, group: Group, facts: list[SentenceFacts], lead_support: list[SentenceFacts], day: dt.date) -> Mode:
        """The mode the contact's own sentences state; where they say only "talks" or "a call",
        the lead or sentences that speak of it without naming anyone else ("The two spoke by
        video") may say more. They never overrule a stated mode: "met on Friday; last month the
        two held online talks" is a meeting."""
        best = max((c.mode for c in group.candidates), key=lambda m: MODE_RANK[m])
        if best in ("unspecified", "call"):
            others = [p.mode for f in lead_support for p in f.predicates]
            others += [p.mode for fact in self._supporting(group, facts, day) for p in fact.predicates]
            finer = [
                m
                for m in others
                if MODE_RANK[m] > MODE_RANK[best] and (best == "unspecified" or m in ("phone_call", "video_call"))
            ]
            if finer:
                best = max(finer, key=lambda m: MODE_RANK[m])
        return "phone_call" if best == "call" else best  # type: ignore[return-value]

    def _participant(self, official_id: str, day: dt.date, other_id: str) -> Participant:
        official = self.gazetteer.officials[official_id]
        role, office = self.gazetteer.role_on(official_id, day, self.gazetteer.counterpart_offices(other_id, day))
        name = office.name_on(day)
        return Participant(
            official_id=official.id,
            name=official.name,
            country=official.country,
            office=("Acting " if role.acting else "") + name,
            office_id=role.office,
            level=office.level,
            defence=office.defence,
        )
