"""Contact detection on the forms real pages take (realpages/README.md): page furniture before the
lead, traditional characters, a contact reported in a newsletter's later item, headline
infinitives. Each fixture is written in our own words and keeps only the form of real pages."""

from __future__ import annotations

import datetime as dt

import pytest

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


# --- languages and scripts the lexicon files add (ja, ko, ru, de) ----------------------------------

# A Japanese TV-news copy: the meeting on the 31st, and last month's online talks as background
# (which must not turn the meeting into a video call).
JAPANESE = """ date 2025-10-31
ヘグセス国防長官は31日、訪問先のクアラルンプールで中国の董軍国防相と会談し、南シナ海での中国軍の動きに懸念を示しました。先月、2人はオンラインで会談しましたが、対面での会談は初めてです。
"""


def test_a_japanese_report_of_a_meeting_keeps_its_own_mode(classifier: Classifier) -> None:
    contact = _classify(classifier, JAPANESE).contact
    assert contact is not None and contact.status == "held"
    assert _names(contact) == ["Dong Jun", "Pete Hegseth"]
    assert contact.date == dt.date(2025, 10, 31)
    assert contact.mode == "meeting"


# A Korean wire copy, one paragraph per line with no blank lines: a quoted kicker without a
# tense, then a lead that announces the meeting (할 예정이다) and recalls last month's video call.
KOREAN_ANNOUNCEMENT = """ date 2024-05-17
"미중 국방장관, 이달 말 첫 대면 회담"
외신 "오스틴-둥쥔, 싱가포르에서 회동"
(서울=가상통신) 한 기자 = 로이드 오스틴 미국 국방장관과 둥쥔 중국 국방부장이 이달 말 싱가포르에서 양자 회담을 할 예정이라고 외신이 16일 보도했다.
두 장관은 지난달 영상으로 회담을 했지만 직접 만난 적은 없다.
"""

# The same pair's video meeting reported as held, on the 16th.
KOREAN_REPORT = """ date 2024-04-17
미중 국방장관 화상 회담

로이드 오스틴 미국 국방장관은 16일 둥쥔 중국 국방부장과 화상 회담을 가졌다고 국방부가 밝혔다. 두 장관의 회담은 약 1년 5개월 만이다.
"""


def test_a_korean_announcement_under_a_tenseless_kicker_is_planned(classifier: Classifier) -> None:
    contact = _classify(classifier, KOREAN_ANNOUNCEMENT).contact
    assert contact is None or contact.status == "planned"


def test_a_korean_report_is_held_with_its_day_of_the_month(classifier: Classifier) -> None:
    contact = _classify(classifier, KOREAN_REPORT).contact
    assert contact is not None and contact.status == "held"
    assert _names(contact) == ["Dong Jun", "Lloyd Austin"]
    assert contact.mode == "video_call"
    assert contact.date == dt.date(2024, 4, 16)  # the 16th of this month, not of a year ago


# Russian declines foreign names: "с Дун Цзюнем" (with Dong Jun), "Ллойдом Остином".
RUSSIAN = """ date 2024-05-31
Главы оборонных ведомств США и Китая встретились в Сингапуре

Министр обороны США Ллойд Остин встретился в пятницу с китайским коллегой Дун Цзюнем на полях форума в Сингапуре, сообщил Пентагон.
"""


def test_a_russian_report_finds_declined_names(classifier: Classifier) -> None:
    contact = _classify(classifier, RUSSIAN).contact
    assert contact is not None and contact.status == "held"
    assert _names(contact) == ["Dong Jun", "Lloyd Austin"]
    assert contact.mode == "meeting"


# German: the verb comes last, after "seit" ("the first time since taking office").
GERMAN = """ date 2022-04-20
Pentagon-Chef telefoniert mit chinesischem Kollegen

US-Verteidigungsminister Lloyd Austin hat erstmals seit seinem Amtsantritt mit seinem chinesischen Amtskollegen Wei Fenghe telefoniert, wie das Pentagon am Mittwoch mitteilte.
"""


def test_a_german_report_reads_the_verb_at_the_end(classifier: Classifier) -> None:
    contact = _classify(classifier, GERMAN).contact
    assert contact is not None and contact.status == "held"
    assert _names(contact) == ["Lloyd Austin", "Wei Fenghe"]
    assert contact.mode == "phone_call"


# --- near-misses in English and Chinese -------------------------------------------------------------

NOT_CONTACTS = {
    # an event noun as the subject of a future
    "noun_future": """ date 2024-05-29
Pentagon chief heads to Singapore

Defense Secretary Lloyd Austin's face-to-face meeting with Chinese Defense Minister Dong Jun at the \
security forum in Singapore later this week will be the first between the two men, officials said on \
Wednesday in a briefing for reporters.
""",
    # a meeting that fell apart, and co-presence at a gathering of many
    "fell_apart": """ date 2018-10-17
SINGAPORE (Wire) — Defense Secretary Jim Mattis is getting ready to sit down in Singapore with his \
Chinese counterpart, weeks after a meeting with Wei Fenghe planned for Beijing fell apart as relations \
between the two countries soured over trade and Taiwan.

Mattis and Chinese Defense Minister Wei Fenghe were both in Singapore for a regional meeting of defense ministers.
""",
    # only a handshake, after a participle that goes on with the clause
    "handshake": """ date 2023-06-03
Defence chiefs of US and China share a dinner table but no talks

China's defence minister Li Shangfu and US Defense Secretary Lloyd Austin met very briefly at the \
opening dinner of the forum on Friday, really only shaking hands and exchanging a few pleasantries, \
after Beijing turned down a formal meeting.
""",
    # the officials of a contact someone refused, in the sentence about another meeting
    "refused_pair": """ date 2023-06-04
Australian minister meets Chinese counterpart in Singapore

The talks, held on the sidelines of the forum late on Saturday, drew attention largely because Li \
Shangfu had refused to sit down formally with the US defence secretary, Lloyd Austin, in the same city.
""",
    # a contact from last year, recalled (曾, had), and one that did not happen again (未再)
    "recalled": """ date 2025-05-29
中方派团出席香格里拉对话会

据报道，今年中国国防部长董军不会出席会议。董军去年出席该会议期间曾与时任美国防长奥斯汀会晤，但两人在去年年底的东盟会议期间并未再会面，外界关注双方今年是否会接触。
""",
}


@pytest.mark.parametrize("name", sorted(NOT_CONTACTS))
def test_near_misses_report_no_contact_held(classifier: Classifier, name: str) -> None:
    contact = _classify(classifier, NOT_CONTACTS[name]).contact
    assert contact is None or contact.status == "planned", (name, contact)


def test_a_summit_hosted_somewhere_is_not_a_meeting_but_hosting_an_official_is(classifier: Classifier) -> None:
    summit = """ date 2024-05-30
Defense chiefs to meet

Lloyd Austin and Dong Jun are in Singapore for the Shangri-La Dialogue, an annual security summit \
hosted by a London think tank, where both will give speeches over the weekend to delegates.
"""
    contact = _classify(classifier, summit).contact
    assert contact is None or contact.status == "planned"
    hosted = """ date 2022-11-22
Visit

Chinese Defense Minister Wei Fenghe hosted Lloyd Austin in Siem Reap on Tuesday for talks lasting \
about ninety minutes on the sidelines of the regional meeting, the ministry said.
"""
    contact = _classify(classifier, hosted).contact
    assert contact is not None and contact.status == "held" and contact.mode == "meeting"


def test_chinese_talks_by_video_and_a_day_in_chinese_numerals(classifier: Classifier) -> None:
    text = """ date 2024-09-12
戰區司令首次通話

解放軍南部戰區司令員吳亞男十日與美軍印太司令部司令帕帕羅通過視頻進行了交談，雙方就共同關心的問題交換了意見。
"""
    contact = _classify(classifier, text).contact
    assert contact is not None and contact.status == "held"
    assert contact.mode == "video_call"
    assert contact.date == dt.date(2024, 9, 10)


def test_a_name_that_qualifies_a_government_is_not_its_holder(classifier: Classifier) -> None:
    text = """ date 2024-08-29
Top US aide sees senior Chinese general

BEIJING (Wire) — A top White House aide met a senior Chinese general on Thursday, the first such talks \
in years, at the end of three days of talks in the Chinese capital about managing the U.S. rivalry with China.

It was the first meeting between Zhang Youxia and a Biden administration official, and the first \
between a senior American official and a vice chairman of the commission in six years.

National Security Adviser Jake Sullivan's meeting with Zhang, one of the two vice chairmen of the Central Military Commission, \
lasted about an hour, the White House said. Both sides also discussed plans for a call between \
Presidents Joe Biden and Xi Jinping in the coming weeks.
"""
    contact = _classify(classifier, text).contact
    assert contact is not None and contact.status == "held"
    assert _names(contact) == ["Jake Sullivan", "Zhang Youxia"]


def test_a_contact_dated_after_its_article_is_not_reported_held(classifier: Classifier) -> None:
    # A Chinese preview in the tense of a report: the date says it has not happened yet.
    text = """ date 2024-05-29
中美防长会晤

美国国防部长奥斯汀与中国国防部长董军5月31日在新加坡香格里拉对话会期间举行会晤，双方就两军关系交换意见。
"""
    contact = _classify(classifier, text).contact
    assert contact is None or contact.status == "planned"


# A content-farm copy of a December 2023 story, stamped with the day it was copied (April 2025):
# its headline and lead give the office only; a later sentence names the chairman of the day.
REDATED_COPY = """ date 2025-04-12
Home > Markets Joint Chiefs chairman calls his Chinese counterpart -FinanceDaily
Posted: 2025-04-12 09:30:00
America's top general talked by phone with his Chinese counterpart on Thursday morning, the first such talks between the two militaries in well over a year, officials said.
Chairman of the Joint Chiefs of Staff Gen. Charles Q. Brown spoke by video with Gen. Liu Zhenli, the joint staff said in a readout.
"""


def test_a_re_dated_copy_keeps_the_named_chairman_and_dates_him_to_his_tenure(classifier: Classifier) -> None:
    contact = _classify(classifier, REDATED_COPY).contact
    assert contact is not None
    # Not the chairman of the page's date: the text names him, and his term ended in 2025.
    assert _names(contact) == ["Charles Q. Brown Jr.", "Liu Zhenli"]
    # "Thursday", counted back from the copy's date, is not the call's day: only the tenure is known.
    assert not contact.date_is_explicit
    assert contact.date_window == (dt.date(2023, 10, 1), dt.date(2025, 2, 21))


def test_a_former_holder_named_as_history_leaves_the_page_date_alone(classifier: Classifier) -> None:
    text = REDATED_COPY.replace("Chairman of the Joint Chiefs of Staff Gen.", "Former Joint Chiefs chairman Gen.")
    contact = _classify(classifier, text).contact
    assert contact is not None and contact.date_window is None


# A Chinese commentary page: a bare date line, then one paragraph of prose in which the visit's
# days are given as 号 and the meeting's own sentence states none.
HAO_RANGE = """ date 2024-09-25
2024-09-25
中国国防部23号发布消息说,应美方邀请,本月18号至20号,南部战区司令员吴亚男率团赴夏威夷出席印太地区国防军司令会议。
国防部特别说明,吴亚男与美军印太司令部司令帕帕罗举行了会晤,双方就共同关心的问题交换了意见。
"""


def test_a_visits_days_in_hao_date_the_meeting_not_the_pages_date_line(classifier: Classifier) -> None:
    contact = _classify(classifier, HAO_RANGE).contact
    assert contact is not None and _names(contact) == ["Samuel Paparo", "Wu Yanan"]
    assert (contact.date, contact.date_is_explicit) == (dt.date(2024, 9, 18), True)
    # Without the days, the page's own date line is not the meeting's stated date.
    undated_text = HAO_RANGE.replace(",本月18号至20号", "").replace("23号", "")
    undated = _classify(classifier, undated_text).contact
    assert undated is not None and not undated.date_is_explicit
