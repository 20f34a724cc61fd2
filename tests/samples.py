"""Sample records for the message tests: an event and a digest with every section filled."""

from __future__ import annotations

import datetime as dt

from newswatch.digest import Digest, DigestEvent, FailingFeed, TopicVolume
from newswatch.model import Participant, Quote, StoredEvent

AUSTIN = Participant("lloyd-austin", "Lloyd Austin", "us", "Secretary of Defense", "us-secdef")
DONG = Participant("dong-jun", "Dong Jun", "cn", "Minister of National Defense", "cn-defmin")
FIRST = ("https://news.example.com/a", "Austin and Dong talk", dt.date(2024, 4, 17))
SECOND = ("https://other.example.com/b", "Defence chiefs hold video call", dt.date(2024, 4, 17))

SAMPLE_EVENT = StoredEvent(
    id=1,
    date=dt.date(2024, 4, 16),
    mode="video_call",
    location="Singapore",
    participants=(AUSTIN, DONG),
    topics=("us-china-military",),
    evidence=("Austin and Dong spoke by video on Tuesday.",),
    articles=(FIRST, SECOND),
    historical=True,
    confidence=0.9,
    sources=2,
    first_seen=dt.datetime(2024, 4, 17, 9, 12, tzinfo=dt.UTC),
    quotes=(
        Quote("Austin and Dong spoke by video on Tuesday.", *FIRST),
        Quote("The two defence chiefs held a video call on Tuesday.", *SECOND),
    ),
)

SAMPLE_TOPIC_NAMES = {"us-china-military": "US–China military relations"}

_NAMES = tuple((p.name, p.office) for p in (AUSTIN, DONG))

SAMPLE_DIGEST = Digest(
    period=dt.datetime(2024, 4, 18, 8, tzinfo=dt.UTC),
    since=dt.datetime(2024, 4, 17, 8, tzinfo=dt.UTC),
    until=dt.datetime(2024, 4, 18, 8, 1, tzinfo=dt.UTC),
    contacts=(
        DigestEvent(
            1,
            dt.date(2024, 4, 16),
            "video_call",
            _NAMES,
            "Singapore",
            ("us-china-military",),
            FIRST[0],
            FIRST[1],
            historical=True,
            evidence="Austin and Dong spoke by video on Tuesday.",
        ),
    ),
    planned=(
        DigestEvent(
            2, dt.date(2024, 4, 25), "meeting", _NAMES, None, ("us-china-military",), "seed.txt", "A meeting is planned"
        ),
    ),
    topics=(TopicVolume("us-china-military", "US–China military relations", 3),),
    failing_feeds=(FailingFeed("Example", "https://example.com/feed", 3, "HTTP 503"),),
)
