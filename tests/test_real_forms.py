"""Contact detection on the forms real pages take (realpages/README.md): page furniture before the
lead, traditional characters, a contact reported in a newsletter's later item, headline
infinitives. Each fixture is written in our own words and keeps only the form of real pages."""

from __future__ import annotations

import datetime as dt

from newswatch.classify import Classifier
from newswatch.seeds import parse_seed_text


def _classify(classifier: Classifier, text: str):
    return classifier.classify(parse_seed_text(text, "page.txt"))


def _names(contact) -> list[str]:
    return sorted(p.name for p in contact.participants)


# A wire copy on a local radio site: site name, headline, time stamp and photo credit each a
# paragraph, then the lead with its own "CITY (Agency) —".
FURNITURE = """ date 2024-08-29

KXYZ Newsradio 1040

Top US security aide holds rare talks with senior Chinese general

Aug 29, 2024, 6:02 AM

(Pool photo via agency)

BEIJING (Agency) — U.S. National Security Adviser Jake Sullivan held talks on Thursday with Gen. Zhang \
Youxia, a vice chairman of China's Central Military Commission, as both governments try to keep quarrels \
over Taiwan and the South China Sea from turning into conflict.

The session followed two days of meetings with Foreign Minister Wang Yi.
"""


def test_the_lead_is_found_past_page_furniture(classifier: Classifier) -> None:
    contact = _classify(classifier, FURNITURE).contact
    assert contact is not None and contact.status == "held"
    assert _names(contact) == ["Jake Sullivan", "Zhang Youxia"]
    assert contact.date == dt.date(2024, 8, 29)


# A Taipei news site: headline, byline and date line as paragraphs, the names and the mode in
# traditional characters (視訊通話, as Taiwan writes a video call).
TRADITIONAL = """ date 2024-09-10

印太司令與南部戰區司令首度通話

記者:王大同

2024.09.10

美軍印太司令部司令帕帕羅週一與解放軍南部戰區司令員吳亞男舉行視訊通話，雙方就南海情勢交換意見，\
這是兩軍戰區指揮官首次通話。
"""


def test_traditional_characters_are_read_and_quoted_as_written(classifier: Classifier) -> None:
    contact = _classify(classifier, TRADITIONAL).contact
    assert contact is not None
    assert _names(contact) == ["Samuel Paparo", "Wu Yanan"]
    assert contact.date == dt.date(2024, 9, 9)  # 週一 in an article of Tuesday 2024-09-10
    assert contact.mode == "video_call"
    assert any("帕帕羅" in sentence for sentence in contact.evidence)  # quoted in the page's own script


# A newsletter: its lead is about something else; the contact is an item further down, dated to
# the day before the issue.
NEWSLETTER = """ date 2023-12-22

Security Briefing — Friday edition

Good morning. Congress sent the annual defense policy bill to the White House on Thursday after \
months of fights over spending, and the Pentagon says it will keep pressing lawmakers for money for \
Ukraine and Israel before the holiday recess.

In other news, a new report on shipbuilding warns that American yards cannot keep pace with China's.

Also: Gen. Charles Q. Brown Jr. spoke by video with Gen. Liu Zhenli on Thursday, the first talks \
between the two militaries' top officers in more than a year.
"""

# A feature whose only contact is months old, mentioned further down: background, not news.
BACKGROUND = """ date 2024-09-20

Analysts weigh what comes next for military ties between the United States and China after a \
summer of close encounters in the South China Sea and sharp words over Taiwan at the United Nations.

Defense Secretary Lloyd Austin and Adm. Dong Jun met in Singapore on May 31, their first meeting.
"""


def test_a_contact_reported_in_a_later_item_is_found_when_it_is_recent(classifier: Classifier) -> None:
    contact = _classify(classifier, NEWSLETTER).contact
    assert contact is not None
    assert _names(contact) == ["Charles Q. Brown Jr.", "Liu Zhenli"]
    assert (contact.date, contact.mode) == (dt.date(2023, 12, 21), "video_call")
    assert _classify(classifier, BACKGROUND).contact is None


# Headline-ese: the infinitive announces; the present tense reports.
def test_headline_infinitives_announce_and_do_not_report(classifier: Classifier) -> None:
    preview = """ date 2024-05-28

Pentagon chief to travel to Asia, sit down with Chinese counterpart

Defense Secretary Lloyd Austin leaves for Singapore on Thursday for an annual security forum, where \
officials say he hopes to hold talks with China's defense minister, Adm. Dong Jun.
"""
    result = _classify(classifier, preview)
    assert result.reported_contact() is None
    attempt = """ date 2023-02-08

Austin tried without luck to reach his Chinese counterpart by phone on Saturday after the balloon \
was shot down, and wanted to talk to Wei Fenghe about it, officials said.
"""
    assert _classify(classifier, attempt).reported_contact() is None
