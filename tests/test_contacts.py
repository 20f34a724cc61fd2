"""Contact detection on the seeds and on articles written for these tests, one class each."""

from __future__ import annotations

import datetime as dt

import pytest

from newswatch.classify import Classifier
from newswatch.model import Article
from newswatch.seeds import read_seed_file
from tests.conftest import SEEDS


def _article(text: str, published: str = "2024-04-17") -> Article:
    return Article(ref="test.txt", published=dt.date.fromisoformat(published), text=text)


def _names(contact) -> list[str]:
    return sorted(p.name for p in contact.participants)


def test_seed_000_austin_dong_on_tuesday(classifier: Classifier) -> None:
    result = classifier.classify(read_seed_file(SEEDS / "000_fa17d5cd43c4c00b.txt"))
    contact = result.contact
    assert contact is not None
    assert contact.date == dt.date(2024, 4, 16)  # "on Tuesday" in an article of Wednesday 2024-04-17
    assert _names(contact) == ["Dong Jun", "Lloyd Austin"]
    assert {p.office for p in contact.participants} == {"Secretary of Defense", "Minister of National Defense"}
    assert contact.mode == "unspecified"  # the seed never says how they talked
    assert any("Dong Jun told US counterpart Lloyd Austin" in s for s in contact.evidence)
    assert set(result.matched_topics) == {"us-china-military", "taiwan", "south-china-sea"}


def test_seed_004_brown_liu_video_call_thursday_night(classifier: Classifier) -> None:
    contact = classifier.classify(read_seed_file(SEEDS / "004_ec52301a8b636dd9.txt")).contact
    assert contact is not None
    assert contact.date == dt.date(2023, 12, 21)  # "Thursday night (21)"
    assert contact.mode == "video_call"
    assert _names(contact) == ["Charles Q. Brown Jr.", "Liu Zhenli"]
    assert contact.location is None


@pytest.mark.parametrize(
    ("text", "published", "date", "mode", "names"),
    [
        (
            "Secretary of War Pete Hegseth spoke by phone with Chinese Defense Minister Adm. Dong Jun on Friday, "
            "the Pentagon said, their first call since Hegseth took office.",
            "2025-09-12",
            "2025-09-12",
            "phone_call",
            ["Dong Jun", "Pete Hegseth"],
        ),
        (
            "KUALA LUMPUR — The Pentagon chief met his Chinese counterpart on the sidelines of a regional "
            "security meeting in Kuala Lumpur on Friday.\n\nHegseth and Dong Jun held talks for about an hour.",
            "2025-11-01",
            "2025-10-31",
            "meeting",
            ["Dong Jun", "Pete Hegseth"],
        ),
        (
            "Gen. Mark Milley, chairman of the Joint Chiefs of Staff, held a video conference with Gen. Li Zuocheng, "
            "chief of the Joint Staff Department, on Wednesday, a spokesman said.",
            "2021-01-08",
            "2021-01-06",
            "video_call",
            ["Li Zuocheng", "Mark Milley"],
        ),
        (
            "SINGAPORE — The U.S. and Chinese defense chiefs met for 75 minutes on Friday. Austin and Adm. Dong "
            "discussed Taiwan and the South China Sea, officials said.",
            "2024-06-01",
            "2024-05-31",
            "meeting",
            ["Dong Jun", "Lloyd Austin"],
        ),
        (
            "China's top military officer held talks by video link with the chairman of the U.S. Joint Chiefs of "
            "Staff on Thursday, China's defense ministry said.",
            "2023-12-22",
            "2023-12-21",
            "video_call",
            ["Charles Q. Brown Jr.", "Liu Zhenli"],
        ),
        (
            "U.S. Defence Secretary Lloyd Austin and Chinese Defence Minister Wei Fenghe held talks in Phnom Penh "
            "on Tuesday, on the sidelines of a gathering of regional defence ministers.",
            "2022-11-23",
            "2022-11-22",
            "meeting",  # "held talks in Phnom Penh … on the sidelines": in person
            ["Lloyd Austin", "Wei Fenghe"],
        ),
    ],
    ids=[
        "secretary-of-war-phone",
        "pentagon-chief-counterpart",
        "cjcs-jsd-video",
        "british-spelling-talks",
        "surnames-only",
        "top-officer-titles",
    ],
)
def test_contacts_phrased_in_other_ways(
    classifier: Classifier, text: str, published: str, date: str, mode: str, names: list[str]
) -> None:
    contact = classifier.classify(_article(text, published)).contact
    assert contact is not None
    assert contact.date.isoformat() == date
    assert contact.mode == mode
    assert _names(contact) == names


def test_secretary_of_war_styling_applies_from_september_2025(classifier: Classifier) -> None:
    text = "Pete Hegseth held a video call with Chinese Defense Minister Dong Jun on Tuesday, the Pentagon said."
    contact = classifier.classify(_article(text, "2025-09-10")).contact
    assert contact is not None
    assert {p.office for p in contact.participants} == {"Secretary of War", "Minister of National Defense"}


@pytest.mark.parametrize(
    "text",
    [
        # A refused request.
        "China declined a U.S. request for a call between Defense Secretary Lloyd Austin and Defense Minister "
        "Li Shangfu, the Pentagon said on Tuesday.",
        # A meeting planned for the future.
        "Defense Secretary Lloyd Austin will meet Chinese Defense Minister Dong Jun in Singapore next week, "
        "officials said on Tuesday.",
        # A handshake without talks.
        "Austin and Chinese Defense Minister Li Shangfu shook hands at the opening dinner but held no talks, "
        "a U.S. official said.",
        # Leaders, not defence officials.
        "President Joe Biden and Chinese President Xi Jinping met for four hours on Wednesday near San Francisco.",
        # Diplomats, not defence officials.
        "Secretary of State Antony Blinken held talks with Foreign Minister Wang Yi in Beijing on Friday.",
        # Another pair of countries with a tracked official.
        "Russia's defense minister, Andrei Belousov, held talks with his Chinese counterpart Dong Jun in Beijing on Monday.",
        "Defence Minister Richard Marles met China's defence minister, Admiral Dong Jun, on Saturday in Singapore.",
        # Working-level talks.
        "U.S. and Chinese defense officials held two days of policy talks at the Pentagon this week, led by a deputy "
        "assistant secretary and a Chinese major general.",
        # An article about something else that mentions a past contact in its last paragraph.
        "Chinese coast guard ships fired water cannon at a Philippine supply boat near Second Thomas Shoal on Sunday."
        "\n\nManila protested the incident.\n\nAustin and Dong last held talks in Singapore in May.",
    ],
    ids=[
        "refused",
        "planned",
        "handshake",
        "presidents",
        "diplomats",
        "russia-china",
        "australia-china",
        "working-level",
        "background",
    ],
)
def test_not_contacts(classifier: Classifier, text: str) -> None:
    contact = classifier.classify(_article(text, "2024-06-20")).contact
    assert contact is None or contact.status == "planned"


def test_a_meeting_announced_for_later_is_planned_with_its_future_date(classifier: Classifier) -> None:
    text = (
        "Defense Secretary Lloyd Austin will meet Chinese Defense Minister Dong Jun in Singapore on Friday, "
        "officials said on Wednesday."
    )
    contact = classifier.classify(_article(text, "2024-05-29")).contact
    assert contact is not None and contact.status == "planned"
    assert contact.date == dt.date(2024, 5, 31)
    assert _names(contact) == ["Dong Jun", "Lloyd Austin"]


def test_a_contact_revealed_long_after_is_historical(classifier: Classifier) -> None:
    text = (
        "Gen. Mark Milley, chairman of the Joint Chiefs of Staff, called Gen. Li Zuocheng of the People's "
        "Liberation Army on Oct. 30, 2020, according to a new book."
    )
    contact = classifier.classify(_article(text, "2021-09-15")).contact
    assert contact is not None and contact.historical and contact.date == dt.date(2020, 10, 30)
    recent = classifier.classify(_article(text.replace("Oct. 30, 2020", "Monday"), "2021-09-15")).contact
    assert recent is not None and not recent.historical


def test_evidence_says_what_matched_and_how_sure(classifier: Classifier) -> None:
    contact = classifier.classify(read_seed_file(SEEDS / "004_ec52301a8b636dd9.txt")).contact
    assert contact is not None
    assert 0.5 <= contact.confidence <= 1.0
    assert any("→ liu-zhenli" in rule for rule in contact.rules)
    assert any(rule == "Charles Brown → charles-q-brown (name)" for rule in contact.rules)
    assert any(rule.startswith("predicate") for rule in contact.rules)


def test_working_level_talks_are_recorded_as_working_not_reported(classifier: Classifier) -> None:
    text = (
        "WASHINGTON — Michael Chase, the Pentagon official responsible for China policy, met Maj. Gen. Song Yanchao "
        "of the Central Military Commission in Washington on Tuesday for two days of policy talks."
    )
    result = classifier.classify(_article(text, "2024-01-10"))
    assert result.contact is not None and result.contact.level == "working"
    assert result.reported_contact("senior") is None
    assert result.reported_contact("working") is result.contact


def test_sentences_carry_their_offsets_when_verbatim_and_detection_agrees_either_way() -> None:
    from newswatch.classify import Classifier
    from newswatch.model import Article
    from newswatch.settings import load_settings
    from newswatch.text import split_article

    text = (
        "U.S. Defense Secretary Lloyd Austin held a video call with Chinese Defense Minister Dong Jun on"
        " Tuesday, the Pentagon said.\n\nThe two discussed Taiwan. Austin pressed Dong on the South China Sea."
    )
    sentences = split_article(text)
    assert all(text[s.start : s.start + len(s.text)] == s.text for s in sentences if s.start is not None)
    assert [s.start is not None for s in sentences] == [True, True, True]
    ragged = text.replace("held a video", "held  a\nvideo")  # not verbatim: the sentences are scanned
    assert split_article(ragged)[0].start is None
    classifier = Classifier(load_settings())
    found = [
        classifier.classify(Article(ref=ref, published=dt.date(2024, 4, 18), text=body)).contact
        for ref, body in (("a", text), ("b", ragged))
    ]
    assert found[0] is not None and found[1] is not None
    assert (found[0].date, found[0].mode, found[0].participants) == (
        found[1].date,
        found[1].mode,
        found[1].participants,
    )


def test_a_forum_named_meeting_is_not_a_meeting_that_took_place(classifier: Classifier) -> None:
    text = (
        "U.S. Defense Secretary Lloyd Austin will meet Dong Jun, China's defence minister, at the ASEAN"
        " Defence Ministers' Meeting-Plus next month, the Pentagon said."
    )
    contact = classifier.classify(_article(text, "2024-10-20")).contact
    assert contact is None or contact.status == "planned"


def test_a_title_in_apposition_describes_the_name_before_it(classifier: Classifier) -> None:
    text = (
        "Robert Salesses, the U.S. defense secretary, and Chinese Defence Minister Dong Jun held talks by"
        " video conference on Thursday evening, the two ministries said."
    )
    contact = classifier.classify(_article(text, "2025-01-27")).contact  # Hegseth took office on the 25th
    assert contact is not None
    assert sorted(_names(contact)) == ["Dong Jun", "Robert Salesses"]


def test_the_sides_an_article_may_refer_to_include_every_side_its_sentences_refer_to(classifier: Classifier) -> None:
    """The article-level check that skips sentence analysis may let through too much, never too
    little: on every test and seed article, and on sentences written to stretch it."""
    from pathlib import Path

    from newswatch.detection.places import strip_dateline
    from newswatch.text import split_article

    corpus = Path(__file__).parent / "corpus"
    articles = [read_seed_file(path) for path in [*sorted(corpus.glob("*.txt")), *sorted(SEEDS.glob("*.txt"))]]
    articles += [
        _article(text)
        for text in (
            "His Chinese counterpart. The president, speaking in Washington, said so.",
            "Austin spoke with his Chinese counterpart on Tuesday.",
            "The minister, China's, met Austin. El ministro de Defensa chino habló con el secretario.",
            "Austin spoke. Dong Jun, the defence minister; the U.S.\nsecretary of defense met his counterpart.",
            "中国国防部长董军与美国国防部长奥斯汀举行视频通话。",
        )
    ]
    from newswatch.detection.sentences import find_mentions

    gazetteer = classifier.gazetteer
    checked = 0
    for article in articles:
        body, _ = strip_dateline(article.text)
        references = gazetteer.references(body)
        sentences = split_article(body)
        hits = gazetteer.scan(sentences, references)
        countries = [{code for _, _, code in h.countries} for h in hits]
        mentioned = {
            m.country for ms in find_mentions(gazetteer, sentences, hits, countries, article.published) for m in ms
        }
        assert mentioned <= gazetteer.sides_referenced(references), article.ref
        checked += bool(mentioned)
    assert checked >= 20


def test_a_russian_agency_dateline_and_a_russian_place_are_named_in_english() -> None:
    from newswatch.detection.places import english_place, strip_dateline

    assert strip_dateline("МОСКВА, 13 мая. /ТАСС/. Министр обороны") == ("Министр обороны", "Moscow")
    assert strip_dateline("БЕРН, 18 декабря — РИА Новости. Начальник") == ("РИА Новости. Начальник", "Bern")
    assert strip_dateline("WASHINGTON, Oct 21 (Reuters) - U.S. officials") == ("U.S. officials", "Washington")
    assert english_place("Берне") == "Bern"
    assert english_place("Кремле") is None  # an inflected word no lexicon names is no place
    assert english_place("Kuala Lumpur") == "Kuala Lumpur"
