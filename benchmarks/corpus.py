"""A synthetic but realistic news corpus for the benchmarks, generated from templates.

The mix is fixed: 10 % military contacts (a call, video call, meeting, talks or visit between a
senior US and a senior Chinese defence official who held the offices on that day, taken from the
gazetteer), 30 % on-topic without a contact (Taiwan, the South China Sea, PLA drills, arms sales,
officials' statements, a refused or only planned meeting) and 60 % unrelated news (economy,
markets, sport, weather, technology, health, culture). Articles have 400–1,200 words in several
paragraphs. Everything is drawn from ``random.Random`` seeded per article, so article ``i`` of a
corpus is the same in every process and every run.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from newswatch.dates import MONTH_NAMES, WEEKDAY_NAMES
from newswatch.gazetteer import Gazetteer
from newswatch.model import Article, Classification
from newswatch.settings import Settings

Kind = Literal["contact", "on_topic", "unrelated"]
DEFAULT_SEED = 20240416
CONTACT_SHARE = 0.10
ON_TOPIC_SHARE = 0.30
MIN_WORDS, MAX_WORDS = 400, 1200
FIRST_DAY, LAST_DAY = dt.date(2023, 1, 1), dt.date(2025, 12, 31)


@dataclass(frozen=True)
class ExpectedContact:
    """The contact a generated article reports."""

    date: dt.date
    mode: str  # phone_call | video_call | meeting | unspecified
    participants: frozenset[str]  # gazetteer official ids


@dataclass(frozen=True)
class GeneratedArticle:
    """One generated news article."""

    index: int
    kind: Kind
    topic: str
    published: dt.date
    title: str
    author: str
    paragraphs: tuple[str, ...]
    contact: ExpectedContact | None = None

    @property
    def slug(self) -> str:
        return f"{self.published.isoformat()}-{self.topic}-{self.index:06d}"

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def words(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)

    def seed_text(self) -> str:
        """The article in seed-file format (see newswatch.seeds)."""
        return f" date {self.published.isoformat()} {self.text}\n"

    def as_article(self) -> Article:
        return Article(ref=f"{self.slug}.txt", published=self.published, text=self.text, title=self.title)


# --------------------------------------------------------------------------------------------
# Contacts: who, and how the press names them
# --------------------------------------------------------------------------------------------

# (US office, Chinese office, weight): customary counterparts, plus a National Security Adviser
# meeting a CMC vice-chairman (Sullivan and Zhang Youxia, Beijing, August 2024).
_PAIRS = (
    ("us-secdef", "cn-defmin", 5),
    ("us-cjcs", "cn-jsd-chief", 3),
    ("us-indopacom", "cn-southern-theater", 1),
    ("us-indopacom", "cn-eastern-theater", 1),
    ("us-indopacom", "cn-northern-theater", 1),
    ("us-cno", "cn-plan-commander", 1),
    ("us-nsa", "cn-cmc-vice-chair", 1),
)
# Titles written before a name ("U.S. Defense Secretary Lloyd Austin"); the country word comes
# from the template. The Secretary of Defense is styled Secretary of War from 2025-09-05.
_TITLES_BEFORE = {
    "us-secdef": ("Defense Secretary", "Secretary of Defense", "Defence Secretary"),
    "us-secwar": ("Secretary of War", "War Secretary"),
    "us-cjcs": ("Joint Chiefs Chairman Gen.", "Gen."),
    "us-indopacom": ("Indo-Pacific Command chief Adm.", "Adm."),
    "us-cno": ("Chief of Naval Operations Adm.", "Adm."),
    "us-nsa": ("National Security Adviser",),
    "cn-defmin": ("Defense Minister", "Defence Minister", "Minister of National Defense"),
    "cn-jsd-chief": ("Joint Staff Department chief Gen.", "Gen."),
    "cn-southern-theater": ("Southern Theater Command commander Gen.",),
    "cn-eastern-theater": ("Eastern Theater Command commander Gen.",),
    "cn-northern-theater": ("Northern Theater Command commander Gen.",),
    "cn-plan-commander": ("PLA Navy commander Adm.", "Navy commander Adm."),
    "cn-cmc-vice-chair": ("Central Military Commission Vice Chairman", "top military official"),
}
# Descriptions written after a name ("Dong Jun, China's defence minister,").
_TITLES_AFTER = {
    "us-secdef": ("the U.S. Secretary of Defense", "the Pentagon chief", "the U.S. defense secretary"),
    "us-secwar": ("the U.S. Secretary of War", "the Pentagon chief"),
    "us-cjcs": ("chairman of the U.S. Joint Chiefs of Staff", "the top U.S. military officer"),
    "us-indopacom": ("commander of U.S. Indo-Pacific Command", "head of U.S. Indo-Pacific Command"),
    "us-cno": ("the U.S. Chief of Naval Operations",),
    "us-nsa": ("the White House national security adviser",),
    "cn-defmin": ("China's defence minister", "China's Minister of National Defense"),
    "cn-jsd-chief": ("chief of the Joint Staff Department of China's Central Military Commission",),
    "cn-southern-theater": ("commander of the PLA Southern Theater Command",),
    "cn-eastern-theater": ("commander of the PLA Eastern Theater Command",),
    "cn-northern-theater": ("commander of the PLA Northern Theater Command",),
    "cn-plan-commander": ("commander of the PLA Navy",),
    "cn-cmc-vice-chair": ("vice chairman of China's Central Military Commission",),
}
_SECRETARY_OF_WAR_FROM = dt.date(2025, 9, 5)
_WOMEN = frozenset({"lisa-franchetti", "kathleen-hicks"})

_MODES = ("phone_call", "video_call", "meeting", "unspecified", "visit")
_MODE_WEIGHTS = (3, 3, 2, 2, 1)

# Lead sentences, one list per mode. {US}/{CN}: a name with its title; {when}: the contact's
# date as news copy writes it; {cp}: "his Chinese counterpart".
_CONTACT_LEADS: dict[str, tuple[str, ...]] = {
    "phone_call": (
        "{US} spoke by phone with {CN} {when}, the Pentagon said, in a call that focused on {agenda}.",
        "{US} and {CN} held a telephone call {when} to discuss {agenda}, according to statements from both sides.",
        "{CN} told {US} in a phone call {when} that Beijing was firmly committed to defending its core interests, China's defence ministry said.",
        "{US} held a phone call with {cp}, {CN}, {when}, the {ordinal} conversation between the two in {months} months.",
    ),
    "video_call": (
        "{US} held a video call with {CN} {when}, the first substantive talks between the two militaries in {months} months.",
        "{CN} and {US} spoke by video link {when}, the Chinese defence ministry said in a statement.",
        "{US} and {CN} held talks by video conference {when}, discussing {agenda}.",
        "{US} spoke with {cp}, {CN}, by video {when}, a Pentagon spokesperson said.",
    ),
    "meeting": (
        "{US} met {CN} {when} in {place}, where the two discussed {agenda} for more than an hour.",
        "{US} sat down with {CN} on the sidelines of the {forum} in {place} {when}, their first face-to-face meeting in {months} months.",
        "{CN} met {US} in {place} {when} and said the two militaries should keep communication channels open.",
    ),
    "unspecified": (
        "{US} held talks with {CN} in {place} {when}, according to a readout released by the Pentagon.",
        "{US} and {CN} held talks {when} on {agenda}, officials from both countries said.",
        "{CN} held talks with {US} {when}, the Chinese defence ministry said, describing the exchange as candid and constructive.",
    ),
    "visit": (
        "{US} visited Beijing {when} and met {CN}, the most senior U.S. defence official to travel to China in {months} months.",
        "{CN} received the visiting {US} in Beijing {when}, state media reported.",
    ),
}
_CONTACT_FOLLOW_UPS = (
    "Officials on both sides described the conversation as professional and candid.",
    "The two sides agreed to maintain communication through existing channels, according to the readouts.",
    "It was the first high-level military contact between the two countries since {past_month}.",
    "Neither side announced any new agreement, but analysts said the contact itself was significant.",
    "The readouts released afterwards differed sharply in tone.",
)
_CONTACT_READOUTS = (
    "According to a Pentagon readout, {us} stressed the importance of keeping military lines of communication open and raised concerns about {concern}.",
    "{cn} told {us} that the Taiwan question was at the very core of China's core interests, according to a statement from China's Ministry of National Defense.",
    "The Chinese statement said {cn} urged Washington to stop {demand}.",
    "{us} also discussed {concern} and said the United States would continue to fly, sail and operate wherever international law allows.",
    "A senior U.S. defense official, briefing reporters on condition of anonymity, said the conversation lasted about {minutes} minutes.",
    "{cn} said the two militaries should respect each other's red lines and build trust step by step, the Chinese readout said.",
    "The Pentagon said {us} emphasised the need for responsible competition and for avoiding miscalculation.",
)
_AGENDAS = (
    "Taiwan, the South China Sea and military communication",
    "the risk of unsafe intercepts at sea and in the air",
    "regional security and crisis communication",
    "the war in Ukraine, North Korea and Taiwan",
    "maritime safety and the Military Maritime Consultative Agreement",
)
_CONCERNS = (
    "unsafe intercepts of U.S. aircraft over the South China Sea",
    "China's pressure on Taiwan",
    "Chinese coast guard actions against Philippine vessels",
    "China's support for Russia's defence industry",
    "the rapid growth of China's nuclear arsenal",
)
_DEMANDS = (
    "arming Taiwan",
    "sending warships through the Taiwan Strait",
    "interfering in the South China Sea",
    "stoking confrontation in the Asia-Pacific",
)
_PLACES = ("Singapore", "Vientiane", "Kuala Lumpur", "Beijing", "Washington", "Jakarta", "Honolulu", "Qingdao")
_FORUMS = ("Shangri-La Dialogue", "ASEAN Defence Ministers' Meeting-Plus", "Western Pacific Naval Symposium")

# --------------------------------------------------------------------------------------------
# On-topic news without a contact
# --------------------------------------------------------------------------------------------

_ON_TOPIC_LEADS: dict[str, tuple[str, ...]] = {
    "taiwan-drills": (
        "China's military launched large-scale drills around Taiwan on {weekday}, sending {n} warships and {n2} aircraft into waters and airspace near the island in what Beijing called a stern warning to separatist forces.",
        "The PLA Eastern Theater Command said on {weekday} it had begun joint exercises code-named Strait Thunder around Taiwan, days after the island's president returned from a trip abroad.",
        "Taiwan's defence ministry said it detected {n} Chinese military aircraft and {n2} navy vessels around the island in the 24 hours to 6 a.m. on {weekday}, one of the largest shows of force this year.",
    ),
    "south-china-sea": (
        "Chinese coast guard vessels fired water cannon at a Philippine supply boat near Second Thomas Shoal on {weekday}, the Philippine military said, the latest in a series of confrontations in the South China Sea.",
        "A Chinese navy helicopter flew within {n} metres of a Philippine government aircraft near Scarborough Shoal on {weekday}, Manila said, calling the manoeuvre reckless and dangerous.",
        "The U.S. Navy sailed a guided-missile destroyer near the Paracel Islands on {weekday} in what it called a freedom of navigation operation, drawing a sharp rebuke from China's Southern Theater Command.",
    ),
    "arms-sales": (
        "The U.S. State Department approved a possible sale of {weapon} to Taiwan worth about ${n} million on {weekday}, drawing an angry response from Beijing.",
        "China said on {weekday} it would impose sanctions on {n} American defence companies over arms sales to Taiwan, the latest in a string of such measures.",
        "Taiwan's legislature approved a special budget of {n} billion Taiwan dollars on {weekday} to buy {weapon} from the United States over the next five years.",
    ),
    "statements": (
        "{US_STATEMENT} said on {weekday} that China's military activity around Taiwan was provocative and destabilising, in remarks to reporters at the Pentagon.",
        "{CN_SPOKESMAN} accused Washington on {weekday} of turning the Asia-Pacific into a powder keg, in a monthly news conference in Beijing.",
        "{US_STATEMENT} warned on {weekday} that China was rehearsing for an invasion of Taiwan, in a speech at the Reagan National Defense Forum.",
        "{CN_STATEMENT} said on {weekday} that the Chinese military would never allow anyone to split Taiwan from China, in an address to officers in Beijing.",
    ),
    "hearings": (
        "The commander of U.S. Indo-Pacific Command told lawmakers on {weekday} that China's navy now had more than {n} ships and was adding more every year.",
        "The Pentagon's annual report on China's military, released on {weekday}, said Beijing's stockpile of operational nuclear warheads had passed {n}.",
        "A House committee on {weekday} approved a defence bill that sets aside ${n} billion for deterrence in the Indo-Pacific, including money for Taiwan's military.",
    ),
    "refused": (
        "China declined a U.S. request for a call between {US} and {CN} after the latest arms sale to Taiwan, the Pentagon said on {weekday}.",
        "Beijing has rejected repeated requests for talks between {US} and {CN}, U.S. officials said on {weekday}, leaving the two militaries without a senior channel.",
    ),
    "planned": (
        "{US} will meet {CN} at the {forum} next month, officials said on {weekday}, in what would be their first face-to-face meeting.",
        "{US} is expected to hold a video call with {CN} in the coming weeks, a senior U.S. official said on {weekday}.",
    ),
}
_ON_TOPIC_WEIGHTS = {
    "taiwan-drills": 5,
    "south-china-sea": 5,
    "arms-sales": 4,
    "statements": 5,
    "hearings": 3,
    "refused": 1,
    "planned": 1,
}
_SECURITY_SENTENCES = (
    "Beijing claims almost all of the South China Sea, a waterway through which more than $3 trillion of trade passes every year.",
    "China regards Taiwan as its own territory and has never renounced the use of force to bring the island under its control.",
    "Taiwan's government rejects Beijing's sovereignty claims and says only the island's 23 million people can decide their future.",
    "The United States is bound by law to provide Taiwan with the means to defend itself, though it has no formal diplomatic ties with Taipei.",
    "{analyst}, {analyst_role} at {institute}, said the {noun} showed that Beijing was testing how far it could go without provoking a response.",
    '"This is a pattern we have seen for several years now," said {analyst_surname}, who has studied the Chinese navy for two decades.',
    "{analyst_surname} said the frequency of such incidents had roughly doubled since {past_month} of last year.",
    "Chinese state media published footage of missile launchers and fighter jets taking part in the {noun}.",
    "The Philippines, a U.S. treaty ally, has accused China of harassing its vessels inside its exclusive economic zone.",
    "The PLA Navy is the largest in the world by number of ships, according to the Pentagon.",
    "Regional governments in Tokyo, Manila and Canberra said they were following developments closely.",
    "Military analysts said the {noun} was larger than the one held in {past_month}.",
    "The island's coast guard said it had dispatched {n} ships, including the patrol vessel {ship}, to monitor the Chinese vessels.",
    "Shares of Taiwanese defence companies rose about {pct} percent on the news.",
    "The Chinese foreign ministry said the United States should stop sending the wrong signals to separatist forces.",
    "According to {institute}, China's defence budget has grown every year for three decades.",
    "Taiwan's president said the island would not provoke conflict but would defend its sovereignty.",
    "Satellite images reviewed by {institute} showed new construction on at least {n2} reefs in the Spratly Islands.",
    "The U.S. 7th Fleet, based in Japan, said its ships operate in the region in accordance with international law.",
    "Experts at {institute} said the risk of an accident between the two militaries had grown as encounters became more frequent.",
    "Japan scrambled fighter jets {n} times last year in response to Chinese aircraft, according to its defence ministry.",
    "{analyst_surname} noted that the {noun} coincided with a political anniversary that Beijing often marks with displays of force.",
    "Fishermen from {city} said they had been chased away from traditional fishing grounds by Chinese maritime militia boats.",
    "A spokesperson for the island's Mainland Affairs Council urged Beijing to stop what it called military intimidation.",
    "The {ship}, which took part in the patrol, returned to port on {weekday} evening without incident.",
    "Insurance brokers in {city} said premiums for ships crossing the area had risen by about {pct} percent this year.",
    "The Chinese embassy in Washington said in a statement that the United States was the biggest threat to peace in the region.",
    "Lawmakers from both parties in Congress have called for faster delivery of weapons already ordered by Taiwan.",
    "A backlog of about $20 billion in approved arms sales to Taiwan has yet to be delivered, according to {institute}.",
    "The Philippine coast guard published video showing the Chinese ship manoeuvring within metres of the {ship}.",
    "Australian and Japanese warships have joined recent patrols, a sign of closer cooperation among U.S. allies.",
    "Chinese officials have repeatedly said that the South China Sea islands have been Chinese territory since ancient times.",
    "An international tribunal ruled in 2016 that China's sweeping claims had no legal basis, a ruling Beijing rejects.",
    "The ministry in Taipei said its forces were on alert and monitoring the situation with joint surveillance and reconnaissance.",
    '"The message is aimed as much at domestic audiences as at Washington," {analyst_surname} said.',
    "{institute} estimated that Chinese coast guard ships had been present near the shoal on {n2} of the past 60 days.",
    "The Pentagon has warned of a sharp increase in what it calls unsafe and unprofessional intercepts by Chinese aircraft.",
    "Beijing announced live-fire exercises in a zone about {n} nautical miles off its coast, warning ships to stay away.",
    "Residents of the outlying island of Kinmen said life continued normally despite the show of force.",
    "Defence analysts in {city} said the latest {noun} appeared designed to rehearse a blockade of the island's main ports.",
    "Manila summoned a Chinese diplomat to protest the incident, the foreign ministry said.",
    "The State Department said the sale would help improve the security of the recipient and maintain political stability in the region.",
    "China has sanctioned dozens of American defence companies over the past few years, though most have little business there.",
    "{analyst} said Beijing's response had been more restrained than after previous arms packages.",
    "Commercial flights in the area were diverted for several hours, aviation officials said.",
)
_SECURITY_NOUNS = ("exercise", "operation", "deployment", "manoeuvre", "patrol")
_WEAPONS = (
    "F-16 fighter jets",
    "HIMARS rocket launchers",
    "Harpoon anti-ship missiles",
    "MQ-9B drones",
    "Abrams tanks",
    "Patriot air-defence missiles",
    "NASAMS air-defence systems",
)

# --------------------------------------------------------------------------------------------
# Unrelated news
# --------------------------------------------------------------------------------------------

_UNRELATED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # topic: (leads, body sentences); {company}, {city}, {team}… are the article's own entities
    "economy": (
        (
            "The central bank kept its benchmark interest rate unchanged at {pct} percent on {weekday}, saying inflation was easing more slowly than it had hoped.",
            "Consumer prices rose {pct} percent in {month} from a year earlier, the statistics office said on {weekday}, a little faster than economists had expected.",
            "The economy grew {pct} percent in the third quarter, official figures showed on {weekday}, helped by strong household spending and a rebound in construction.",
            "{company}, the country's largest {industry} group, said on {weekday} it would close its plant in {city}, putting about {n} hundred jobs at risk.",
        ),
        (
            "Economists at {company} said they expected the first rate cut in {month}.",
            "The unemployment rate held at {pct} percent, close to a record low.",
            "Retail sales rose for a {ordinal} consecutive month, led by clothing and electronics.",
            '"The labour market remains tight, and wage growth is still too high for comfort," said {analyst}, chief economist at {company}.',
            "{analyst_surname} said the {industry} sector was the main source of weakness.",
            "Housing starts fell {pct} percent as higher borrowing costs weighed on builders.",
            "The currency weakened slightly after the announcement, while government bond yields edged lower.",
            "Business confidence improved for the first time in {n} months, according to a survey by {company}.",
            "The finance minister said the government would present a revised budget in {month}.",
            "Exporters in {city} have struggled with weaker demand from Europe and higher shipping costs.",
            "Core inflation, which strips out food and energy, slowed to {pct} percent.",
            "Small businesses told the survey that finding skilled workers remained their biggest problem.",
            "{executive}, chief executive of {company}, told shareholders that orders had picked up since the summer.",
            "In {city}, where {company} is the largest employer, the mayor called for an emergency meeting with unions.",
            "Union leaders said {executive_surname} had given no guarantees about the future of the remaining sites.",
            "The {industry} industry accounts for about {pct} percent of national output and employs roughly {attendance} people.",
            "Mortgage approvals fell to their lowest level in {n} months.",
            "Analysts at {company} said the data pointed to a soft landing rather than a recession.",
            "Energy prices, which drove inflation higher last year, have fallen back sharply.",
            "{analyst_surname} warned that a slowdown in {city}'s property market could spread to other regions.",
            "Government borrowing came in below forecasts thanks to higher tax receipts.",
            "Shares of {company} fell {pct} percent after the announcement.",
        ),
    ),
    "markets": (
        (
            "Stocks rose for a {ordinal} straight session on {weekday} as investors bet that interest rates had peaked, with technology shares leading the gains.",
            "Oil prices fell more than {pct} percent on {weekday} after an industry report showed a surprise increase in crude inventories.",
            "Shares of {company} jumped {n} percent on {weekday} after the {industry} group reported quarterly profit well ahead of forecasts.",
        ),
        (
            "The benchmark index closed up {pct} percent, its highest level since {past_month}.",
            "Trading volumes were lighter than usual ahead of a holiday weekend.",
            '"Investors are looking through the short-term noise," said {analyst}, a strategist at {company2}.',
            "{analyst_surname} said earnings in the {industry} sector had surprised on the upside for three quarters running.",
            "Gold slipped as the dollar strengthened against a basket of currencies.",
            "Bank shares lagged after regulators proposed tougher capital rules.",
            "The yield on the ten-year government bond fell {n} basis points.",
            "Utilities and consumer staples, traditionally seen as safe havens, underperformed.",
            "Analysts raised their full-year earnings forecasts for the sector by an average of {pct} percent.",
            "Smaller companies outperformed large caps for the first time in weeks.",
            "Copper prices rose on hopes of stronger demand from factories.",
            "Several fund managers said valuations were now stretched in parts of the market.",
            "{company} said revenue rose {pct} percent to {n2} billion dollars, driven by its {industry} division.",
            "{executive}, the company's finance chief, said margins would improve further next year.",
            "{company2}, a smaller rival, also gained after raising its dividend.",
            "Options markets pointed to calmer trading in the weeks ahead.",
            "Retail investors have poured record sums into index funds this year, according to {company2}.",
            "The rally has been concentrated in a handful of large companies, {analyst_surname} noted.",
            "Shares in {city}-based lenders were mixed.",
        ),
    ),
    "sport": (
        (
            "{team} beat {team2} {score} on {weekday} to move to the top of the league table with {n} games left to play.",
            "{player} won the final in straight sets on {weekday}, claiming a {ordinal} title of the season in front of a capacity crowd.",
            "{team} sacked their head coach on {weekday} after a run of {n2} matches without a win.",
        ),
        (
            "The winning goal came from a header by {player_surname} in the {minute}th minute.",
            '"We showed a lot of character today," {coach} told reporters after the match.',
            "The visitors had two goals disallowed for offside in the first half.",
            "Attendance at the {city} stadium was {attendance}, a record for the club.",
            "Their next match is away at {team2} on {weekday}.",
            "{team} said it would appoint a new manager before the end of the month.",
            "Injuries to two key defenders have stretched the {team} squad in recent weeks.",
            "{player_surname} has now won {n2} titles in her career.",
            "Ticket prices for next season will rise by an average of {pct} percent, {team} said.",
            "Television audiences for the final were the highest in a decade.",
            "{coach} praised the young players who came off the bench in the second half.",
            "Supporters in {city} celebrated late into the night.",
            "{player_surname}, who joined from {team2} in the summer, has scored in each of the last four games.",
            "The club's owners have promised to invest in a new training ground outside {city}.",
            "{team2} remain two points behind with a game in hand.",
            "The referee's decision to award a late penalty was criticised by both managers.",
            "{coach_surname} said the squad would need reinforcements in the January transfer window.",
            "The league said it would review the incident that led to the second-half red card.",
            "Fans had booed the team off at half-time after a flat opening 45 minutes.",
        ),
    ),
    "weather": (
        (
            "Heavy rain caused flooding across {city} on {weekday}, closing roads and schools as forecasters warned of more storms to come.",
            "Temperatures climbed above {temp} degrees in {city} on {weekday}, breaking a record that had stood for {n} years.",
            "A storm brought winds of up to {n} kilometres per hour to the coast near {city} on {weekday}, cutting power to thousands of homes.",
        ),
        (
            "The weather service issued a red warning for the region until {weekday} evening.",
            "Emergency crews rescued {n} people from cars trapped in flood water near {city}.",
            "More than {attendance} households were still without electricity on {weekday} night.",
            "Forecasters said the heat would ease by the weekend as cooler air moved in from the west.",
            "Farmers around {city} said the dry spell had already cut wheat yields by about {pct} percent.",
            "The city opened cooling centres in libraries and community halls.",
            "Rail services were suspended on several lines because of fallen trees.",
            "Climate scientists at {institute} said such extremes were becoming more frequent.",
            "Residents were advised to avoid unnecessary travel and to check on elderly neighbours.",
            "The river peaked at {pct} metres above its normal level early on {weekday}.",
            "{official_local}, the mayor of {city}, said the clean-up would take weeks.",
            '"We have never seen water this high in my lifetime," said {resident}, who runs a bakery on the high street.',
            "Insurers said claims were likely to run into the hundreds of millions.",
            "Schools in {city} will remain closed until at least {weekday}.",
            "The army was called in to help build flood defences along the river.",
            "Hospitals reported a rise in heat-related admissions, especially among older people.",
            "{official_local} promised to review the city's drainage system once the water had receded.",
            "Water companies urged customers to use less and warned of possible restrictions.",
        ),
    ),
    "technology": (
        (
            "{company} unveiled a new line of laptops on {weekday} built around its own processors, promising battery life of up to {n} hours.",
            "Regulators opened an investigation on {weekday} into whether {company} abused its dominance in online advertising.",
            "{company} said on {weekday} it would cut about {n} hundred jobs as it shifts spending towards artificial intelligence.",
        ),
        (
            "{company} said the devices would go on sale in {month}.",
            "Analysts at {company2} said the move could squeeze smaller rivals.",
            '"This is the biggest change to our product line in a decade," {executive} told a launch event in {city}.',
            "{company}'s shares rose {pct} percent in early trading.",
            "Privacy groups said they would study the new features closely.",
            "Chipmakers have raced to expand capacity as demand for data centres has surged.",
            "The investigation could take more than a year, according to people familiar with the process.",
            "{company} employs about {attendance} people worldwide, many of them in {city}.",
            "Software updates for older models will continue for at least {n} years.",
            "Critics said the announcement was light on details about pricing.",
            "The start-up raised {n} million dollars in its latest funding round, led by {company2}.",
            "{executive_surname} said the company would open a research centre in {city} next year.",
            "Engineers who have tested the devices said performance was impressive but heat remained a problem.",
            "{company2} said it had no plans to follow with cuts of its own.",
            "The regulator said it had received complaints from advertisers and publishers.",
            "{executive_surname} declined to comment on reports of a possible acquisition.",
            "Consumer groups welcomed the longer support period for older devices.",
            "The company's cloud division grew {pct} percent, slower than in previous quarters.",
        ),
    ),
    "health": (
        (
            "Health officials reported {n} new cases of measles in {city} on {weekday}, urging parents to check that their children were vaccinated.",
            "A large study published on {weekday} found that adults who walked {n} thousand steps a day had a markedly lower risk of heart disease.",
            "Hospitals in {city} said on {weekday} that waiting times for routine operations had fallen for the first time in {n} years.",
        ),
        (
            "The study followed more than {attendance} participants for a decade.",
            '"The message is simple: every bit of movement counts," said {analyst}, a cardiologist at {institute}.',
            "Vaccination rates in some districts of {city} have fallen below {n} percent.",
            "The health ministry said it would fund {n} additional clinics next year.",
            "Doctors said the results were encouraging but needed to be confirmed in larger trials.",
            "Nurses' unions said staff shortages remained severe in rural areas.",
            "The new drug, developed by {company}, is expected to be approved by regulators in {month}.",
            "Emergency departments reported a seasonal rise in respiratory infections.",
            "Researchers at {institute} said diet and sleep also played an important role.",
            "Patients' groups welcomed the figures but said too many people were still waiting too long.",
            "{analyst_surname} said the findings held for men and women of all ages.",
            "{official_local}, who chairs the {city} health board, said extra clinics would open on weekends.",
            "The outbreak is believed to have started at a primary school in the north of {city}.",
            "Pharmacies in {city} reported shortages of some children's medicines.",
            "The team at {institute} plans a follow-up study focused on older adults.",
            "Public health officials urged anyone with symptoms to stay at home.",
            "{resident}, whose son was treated in hospital, said the family had waited hours to be seen.",
        ),
    ),
    "culture": (
        (
            "A long-lost painting attributed to a Dutch master sold for {n} million dollars at auction in {city} on {weekday}, far above its estimate.",
            "The {city} film festival opened on {weekday} with the premiere of a drama about three generations of a fishing family.",
            "The national museum in {city} reopened on {weekday} after a {n}-month renovation that doubled its exhibition space.",
        ),
        (
            "The buyer, who bid by telephone, asked not to be named.",
            "More than {attendance} visitors are expected over the coming weeks.",
            '"We wanted the building to feel open to everyone," said {executive}, the museum\'s director.',
            "Critics praised the lead performance by {player} as one of the finest of the year.",
            "The festival will screen {n} films from {n2} countries.",
            "Tickets for the opening weekend sold out within hours.",
            "The restoration was funded by private donors and a grant from {institute}.",
            "The artist's work has rarely been shown in public since the 1950s.",
            "Local hotels in {city} reported their busiest week since before the pandemic.",
            "The exhibition will travel to three other cities next year.",
            "{executive_surname} said the museum would stay open late on Fridays through the summer.",
            "The director, {analyst}, said the film had taken seven years to finance.",
            "{analyst_surname} drew on her own family's history for the screenplay.",
            "Auction house experts said interest from overseas collectors had been unusually strong.",
            "A new wing houses the museum's collection of textiles and ceramics.",
            "The festival jury is chaired by {player}, who won the top prize two years ago.",
        ),
    ),
}
_UNRELATED_WEIGHTS = {
    "economy": 3,
    "markets": 2,
    "sport": 3,
    "weather": 2,
    "technology": 2,
    "health": 2,
    "culture": 1,
}

# --------------------------------------------------------------------------------------------
# Fillers
# --------------------------------------------------------------------------------------------

# Invented names (no gazetteer name or country word is made of these syllables): every article has
# its own people, companies and towns, as real stories do.
_SYLLABLES = ("bra", "vel", "kor", "min", "tas", "lun", "dor", "fen", "gal", "rix", "sol", "pem", "tur", "vak",
              "hol", "mar", "lis", "dre", "nor", "wen", "cal", "ost", "ber", "an", "el", "ia", "quin", "sar")  # fmt: skip
_FIRST_NAMES = (
    "Maya",
    "Daniel",
    "Priya",
    "Tomás",
    "Elena",
    "Kenji",
    "Amara",
    "Jonas",
    "Sofia",
    "Ravi",
    "Hana",
    "Marek",
)
_SURNAME_ENDINGS = ("", "son", "er", "berg", "ton", "ley", "ini", "ova", "ez")
_COMPANY_ENDINGS = ("Holdings", "Group", "Systems", "Foods", "Energy", "Bank", "Motors", "Labs", "Logistics")
_TOWN_FORMS = ("{}", "{}by", "Port {}", "{} Springs", "{}ford", "New {}")
_TEAM_ENDINGS = ("United", "City", "Rovers", "Athletic", "FC", "Wanderers")
_INDUSTRIES = ("steel", "dairy", "chemicals", "shipbuilding", "textiles", "software", "retail", "car parts", "timber")
_ANALYST_ROLES = ("a senior fellow", "a research director", "a professor of international relations", "an analyst")
_INSTITUTES = (
    "the Lowy Institute",
    "the Center for Strategic and International Studies",
    "the International Institute for Strategic Studies",
    "the RAND Corporation",
    "the Stimson Center",
    "Nanyang Technological University",
)
_SHIP_PREFIXES = ("BRP", "USS", "HMAS", "JS")
_AUTHORS = ("Lena Marsh", "Tom Achterberg", "Priya Raman", "Jon Ellery", "Marta Silva", "Kai Hoffner", "Staff Reporter")
_ORDINALS = ("second", "third", "fourth", "fifth", "sixth")

_FILLERS: dict[str, Callable[[random.Random], str]] = {
    "n": lambda r: str(r.randint(3, 95)),
    "n2": lambda r: str(r.randint(2, 40)),
    "pct": lambda r: f"{r.uniform(0.2, 9.5):.1f}",
    "temp": lambda r: str(r.randint(36, 46)),
    "minute": lambda r: str(r.randint(50, 89)),
    "minutes": lambda r: str(r.choice((45, 60, 75, 90, 100))),
    "months": lambda r: str(r.randint(4, 18)),
    "attendance": lambda r: f"{r.randint(12, 95)},{r.randint(0, 999):03d}",
    "score": lambda r: f"{r.randint(1, 4)}-{r.randint(0, 1)}",
    "ordinal": lambda r: r.choice(_ORDINALS),
    "month": lambda r: r.choice(MONTH_NAMES),
    "past_month": lambda r: r.choice(MONTH_NAMES),
    "noun": lambda r: r.choice(_SECURITY_NOUNS),
    "weapon": lambda r: r.choice(_WEAPONS),
    "agenda": lambda r: r.choice(_AGENDAS),
    "concern": lambda r: r.choice(_CONCERNS),
    "demand": lambda r: r.choice(_DEMANDS),
    "place": lambda r: r.choice(_PLACES),
    "forum": lambda r: r.choice(_FORUMS),
}


@dataclass(frozen=True)
class _Holder:
    """An official in the office the article names them by."""

    id: str
    office: str

    def title_key(self, day: dt.date) -> str:
        """The key of the titles to write (the Secretary of Defense is styled Secretary of War from 2025-09-05)."""
        return "us-secwar" if self.office == "us-secdef" and day >= _SECRETARY_OF_WAR_FROM else self.office


def _invented(rng: random.Random) -> str:
    """A made-up proper name of two or three syllables ("Velkor", "Tasminquin")."""
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((2, 2, 3)))).capitalize()


def _person(rng: random.Random) -> tuple[str, str]:
    surname = _invented(rng) + rng.choice(_SURNAME_ENDINGS)
    return f"{rng.choice(_FIRST_NAMES)} {surname}", surname


def _entities(rng: random.Random) -> dict[str, str]:
    """The people, companies and places of one article; each recurs through its sentences."""
    analyst, analyst_surname = _person(rng)
    executive, executive_surname = _person(rng)
    player, player_surname = _person(rng)
    coach, coach_surname = _person(rng)
    city = rng.choice(_TOWN_FORMS).format(_invented(rng))
    return {
        "analyst": analyst,
        "analyst_surname": analyst_surname,
        "analyst_role": rng.choice(_ANALYST_ROLES),
        "institute": rng.choice((*_INSTITUTES, f"the {_invented(rng)} Institute")),
        "executive": executive,
        "executive_surname": executive_surname,
        "player": player,
        "player_surname": player_surname,
        "coach": coach,
        "coach_surname": coach_surname,
        "resident": _person(rng)[0],
        "official_local": _person(rng)[0],
        "company": f"{_invented(rng)} {rng.choice(_COMPANY_ENDINGS)}",
        "company2": f"{_invented(rng)} {rng.choice(_COMPANY_ENDINGS)}",
        "industry": rng.choice(_INDUSTRIES),
        "city": city,
        "team": f"{city} {rng.choice(_TEAM_ENDINGS)}",
        "team2": f"{_invented(rng)} {rng.choice(_TEAM_ENDINGS)}",
        "ship": f"{rng.choice(_SHIP_PREFIXES)} {_invented(rng)}",
    }


class _Slots(dict[str, str]):
    """Template values: the article's own, else drawn once per sentence from the fillers."""

    def __init__(self, rng: random.Random, fixed: dict[str, str]) -> None:
        super().__init__(fixed)
        self._rng = rng

    def __missing__(self, key: str) -> str:
        value = _FILLERS[key](self._rng)
        self[key] = value
        return value


class _Deck:
    """Draws from a pool without repeats until it is used up, then reshuffles."""

    def __init__(self, rng: random.Random, items: Sequence[str]) -> None:
        self._rng = rng
        self._items = list(items)
        self._left: list[str] = []

    def draw(self) -> str:
        if not self._left:
            self._left = self._items[:]
            self._rng.shuffle(self._left)
        return self._left.pop()


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


class CorpusWriter:
    """Writes article ``i`` of a corpus of ``count`` articles (deterministic for a seed)."""

    def __init__(
        self,
        settings: Settings,
        count: int,
        seed: int = DEFAULT_SEED,
        days: tuple[dt.date, dt.date] = (FIRST_DAY, LAST_DAY),
    ) -> None:
        self.gazetteer = Gazetteer(settings)
        self.count = count
        self.seed = seed
        self.days = days
        contacts = round(count * CONTACT_SHARE)
        on_topic = round(count * ON_TOPIC_SHARE)
        kinds: list[Kind] = ["contact"] * contacts
        kinds += ["on_topic"] * on_topic
        kinds += ["unrelated"] * (count - contacts - on_topic)
        random.Random(seed).shuffle(kinds)
        self.kinds = kinds

    def article(self, index: int) -> GeneratedArticle:
        rng = random.Random(f"{self.seed}:{index}")
        first, last = self.days
        published = first + dt.timedelta(days=rng.randrange((last - first).days + 1))
        kind = self.kinds[index]
        if kind == "contact":
            return self._contact(rng, index, published)
        if kind == "on_topic":
            return self._on_topic(rng, index, published)
        return self._unrelated(rng, index, published)

    # --- kinds -----------------------------------------------------------------------------

    def _contact(self, rng: random.Random, index: int, published: dt.date) -> GeneratedArticle:
        days_before = rng.choice((0, 1, 1, 1, 2, 3))
        day = published - dt.timedelta(days=days_before)
        us, cn = self._pair(rng, day)
        mode = rng.choices(_MODES, _MODE_WEIGHTS)[0]
        fixed = _entities(rng) | self._people(rng, us, cn, day)
        fixed |= {"when": _when(rng, day, days_before), "weekday": WEEKDAY_NAMES[day.weekday()]}
        lead = [rng.choice(_CONTACT_LEADS[mode]), *rng.sample(_CONTACT_FOLLOW_UPS, rng.randint(1, 2))]
        readout = rng.sample(_CONTACT_READOUTS, rng.randint(2, 4))
        paragraphs = [self._paragraph(rng, lead, fixed), self._paragraph(rng, readout, fixed)]
        paragraphs += self._body(rng, _Deck(rng, _SECURITY_SENTENCES), fixed, paragraphs)
        us_name, cn_name = self.gazetteer.officials[us.id].main_surname, self.gazetteer.officials[cn.id].main_surname
        title = rng.choice(
            (
                f"{us_name} and {cn_name} hold {_MODE_TITLES[mode]} as militaries keep channels open",
                f"US, Chinese defence chiefs in rare {_MODE_TITLES[mode]}",
                f"{us_name} presses {cn_name} on Taiwan and South China Sea in {_MODE_TITLES[mode]}",
            )
        )
        expected = ExpectedContact(day, "meeting" if mode == "visit" else mode, frozenset((us.id, cn.id)))
        author = rng.choice(_AUTHORS)
        return GeneratedArticle(index, "contact", "contact", published, title, author, tuple(paragraphs), expected)

    def _on_topic(self, rng: random.Random, index: int, published: dt.date) -> GeneratedArticle:
        topic = rng.choices(list(_ON_TOPIC_WEIGHTS), list(_ON_TOPIC_WEIGHTS.values()))[0]
        day = published - dt.timedelta(days=1)
        us, cn = self._pair(rng, day)
        fixed = _entities(rng) | self._people(rng, us, cn, day) | {"weekday": WEEKDAY_NAMES[day.weekday()]}
        fixed |= self._speakers(rng, day)
        deck = _Deck(rng, _SECURITY_SENTENCES)
        lead = [rng.choice(_ON_TOPIC_LEADS[topic]), deck.draw(), deck.draw()]
        paragraphs = [self._paragraph(rng, lead, fixed)]
        paragraphs += self._body(rng, deck, fixed, paragraphs)
        title = _TOPIC_TITLES[topic]
        return GeneratedArticle(index, "on_topic", topic, published, title, rng.choice(_AUTHORS), tuple(paragraphs))

    def _unrelated(self, rng: random.Random, index: int, published: dt.date) -> GeneratedArticle:
        topic = rng.choices(list(_UNRELATED_WEIGHTS), list(_UNRELATED_WEIGHTS.values()))[0]
        leads, body = _UNRELATED[topic]
        fixed = _entities(rng) | {"weekday": WEEKDAY_NAMES[(published - dt.timedelta(days=1)).weekday()]}
        deck = _Deck(rng, body)
        paragraphs = [self._paragraph(rng, [rng.choice(leads), deck.draw()], fixed)]
        paragraphs += self._body(rng, deck, fixed, paragraphs)
        title = f"{topic.capitalize()}: " + paragraphs[0].split(" on ", 1)[0][:90]
        return GeneratedArticle(index, "unrelated", topic, published, title, rng.choice(_AUTHORS), tuple(paragraphs))

    # --- parts -----------------------------------------------------------------------------

    def _pair(self, rng: random.Random, day: dt.date) -> tuple[_Holder, _Holder]:
        """A US and a Chinese official who held the paired offices on ``day``."""
        available = [
            (_Holder(us_holders[0].id, us_office), _Holder(cn_holders[0].id, cn_office), weight)
            for us_office, cn_office, weight in _PAIRS
            if (us_holders := self.gazetteer.holders(us_office, day))
            and (cn_holders := self.gazetteer.holders(cn_office, day))
        ]
        us, cn, _ = rng.choices(available, [w for _, _, w in available])[0]
        return us, cn

    def _people(self, rng: random.Random, us: _Holder, cn: _Holder, day: dt.date) -> dict[str, str]:
        """How this article names the two officials: in full with a title, and by surname."""
        us_official, cn_official = self.gazetteer.officials[us.id], self.gazetteer.officials[cn.id]
        counterpart = f"{'her' if us.id in _WOMEN else 'his'} Chinese counterpart"
        if cn.office not in self.gazetteer.offices[us.office].counterparts:
            counterpart = "China's " + _TITLES_BEFORE[cn.office][0]
        return {
            "US": _full_name(rng, us_official.name, us.title_key(day), "U.S."),
            "CN": _full_name(rng, cn_official.name, cn.title_key(day), rng.choice(("Chinese", "China's"))),
            "us": us_official.main_surname or us_official.name,
            "cn": cn_official.main_surname or cn_official.name,
            "cp": counterpart,
        }

    def _speakers(self, rng: random.Random, day: dt.date) -> dict[str, str]:
        """One official of each side speaking on their own, and the Chinese ministry's spokesman."""
        us = self._first_holder(("us-secdef", "us-indopacom"), day)
        cn = self._first_holder(("cn-defmin", "cn-cmc-vice-chair", "cn-jsd-chief"), day)
        spokesmen = self.gazetteer.holders("cn-mnd-spokesperson", day)
        spokesman = (
            f"Chinese defence ministry spokesman {spokesmen[-1].name}" if spokesmen else "China's defence ministry"
        )
        return {
            "US_STATEMENT": _full_name(rng, self.gazetteer.officials[us.id].name, us.title_key(day), "U.S."),
            "CN_STATEMENT": _full_name(rng, self.gazetteer.officials[cn.id].name, cn.title_key(day), "Chinese"),
            "CN_SPOKESMAN": spokesman,
        }

    def _first_holder(self, offices: Sequence[str], day: dt.date) -> _Holder:
        return next(_Holder(o.id, office) for office in offices for o in self.gazetteer.holders(office, day))

    def _paragraph(self, rng: random.Random, templates: Iterable[str], fixed: dict[str, str]) -> str:
        sentences = (_capitalised(template.format_map(_Slots(rng, fixed))) for template in templates)
        return " ".join(sentences).replace(",,", ",").replace(",.", ".")  # a title after a name ends in a comma

    def _body(self, rng: random.Random, deck: _Deck, fixed: dict[str, str], so_far: Sequence[str]) -> list[str]:
        """Paragraphs of 2–5 sentences until the article has its length (400–1,200 words)."""
        target = rng.randint(MIN_WORDS, MAX_WORDS)
        words = sum(len(p.split()) for p in so_far)
        body: list[str] = []
        while words < target:
            paragraph = self._paragraph(rng, (deck.draw() for _ in range(rng.randint(2, 5))), fixed)
            if words + len(paragraph.split()) > MAX_WORDS and words >= MIN_WORDS:
                break
            body.append(paragraph)
            words += len(paragraph.split())
        return body


_MODE_TITLES = {
    "phone_call": "phone call",
    "video_call": "video call",
    "meeting": "meeting",
    "unspecified": "talks",
    "visit": "Beijing visit",
}
_TOPIC_TITLES = {
    "taiwan-drills": "China stages military drills around Taiwan",
    "south-china-sea": "New confrontation at sea as South China Sea tensions rise",
    "arms-sales": "Beijing protests new U.S. arms package for Taiwan",
    "statements": "Defence officials trade warnings over Taiwan",
    "hearings": "Pentagon warns of China's growing military power",
    "refused": "China rebuffs Pentagon as military channels stay shut",
    "planned": "US and Chinese defence chiefs set to meet",
}


def _capitalised(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def _full_name(rng: random.Random, name: str, office: str, country_word: str) -> str:
    """A name with a title before it ("U.S. Defense Secretary Lloyd Austin") or after it."""
    if rng.random() < 0.6:
        return f"{country_word} {rng.choice(_TITLES_BEFORE[office])} {name}"
    return f"{name}, {rng.choice(_TITLES_AFTER[office])},"


def _when(rng: random.Random, day: dt.date, days_before: int) -> str:
    """The contact's date as news copy writes it, relative to publication."""
    weekday = WEEKDAY_NAMES[day.weekday()]
    choices = [f"on {weekday}", f"on {MONTH_NAMES[day.month - 1]} {day.day}", f"on {weekday} evening"]
    if days_before == 1:
        choices.append("yesterday")
    return rng.choice(choices)


def generate_corpus(
    settings: Settings, count: int, seed: int = DEFAULT_SEED, days: tuple[dt.date, dt.date] = (FIRST_DAY, LAST_DAY)
) -> list[GeneratedArticle]:
    """``count`` articles in the fixed mix (10 % contacts, 30 % on-topic, 60 % unrelated),
    published on days between ``days`` (inclusive)."""
    writer = CorpusWriter(settings, count, seed, days)
    return [writer.article(index) for index in range(count)]


def write_seed_files(articles: Iterable[GeneratedArticle], folder: Path) -> int:
    """Write each article as a seed file in ``folder``; returns how many."""
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for article in articles:
        (folder / f"{article.slug}.txt").write_text(article.seed_text(), encoding="utf-8")
        written += 1
    return written


# --------------------------------------------------------------------------------------------
# What the classifier makes of it
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DetectionCheck:
    """The classifier's contacts against the generated ones."""

    articles: int
    expected: int
    found: int
    matched: int  # found where expected, with the expected participants
    planned: int  # announced meetings (not contacts)
    missed: tuple[str, ...]  # the lead sentences of contacts not found
    false_positives: tuple[str, ...]  # the evidence of contacts found where none was written
    wrong_participants: int

    def summary(self) -> str:
        share = self.found / self.articles if self.articles else 0.0
        return (
            f"classifier found {self.found} contacts in {self.articles} articles ({share:.1%}; "
            f"{self.expected} written, {self.matched} found with the right participants, "
            f"{len(self.missed)} missed, {len(self.false_positives)} false positives, "
            f"{self.wrong_participants} with other participants; {self.planned} planned meetings)"
        )


def check_detection(articles: Sequence[GeneratedArticle], results: Sequence[Classification]) -> DetectionCheck:
    """Compare the classifier's held contacts with the ones the generator wrote."""
    missed: list[str] = []
    false_positives: list[str] = []
    counts: Counter[str] = Counter()
    for article, result in zip(articles, results, strict=True):
        held = result.reported_contact(min_level="working")
        if result.contact is not None and result.contact.status == "planned":
            counts["planned"] += 1
        if held is not None:
            counts["found"] += 1
        if article.contact is None:
            if held is not None:
                false_positives.append(f"{article.slug}: {held.evidence[0] if held.evidence else '?'}")
            continue
        if held is None:
            missed.append(f"{article.slug}: {article.paragraphs[0].split('. ')[0]}")
        elif {p.official_id for p in held.participants} == article.contact.participants:
            counts["matched"] += 1
        else:
            counts["wrong"] += 1
    return DetectionCheck(
        articles=len(articles),
        expected=sum(1 for a in articles if a.contact is not None),
        found=counts["found"],
        matched=counts["matched"],
        planned=counts["planned"],
        missed=tuple(missed),
        false_positives=tuple(false_positives),
        wrong_participants=counts["wrong"],
    )
