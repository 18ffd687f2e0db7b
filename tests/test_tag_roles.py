# SPDX-License-Identifier: Apache-2.0
"""Roles of state mentions in their clause (tag/roles.py): hard negatives first, then the
constructions that make a state the actor, in English, Japanese and Estonian. Every case
asserts the role and the evidence text, not only the label. The sentences are our own."""

from __future__ import annotations

import pytest

from threatbrief.models import Evidence, Tagging
from threatbrief.tag import Tagger
from threatbrief.tag.lexicon import load_lexicon

TAGGER = Tagger(load_lexicon())


def tag(text: str) -> Tagging:
    return TAGGER.tag([("title", text)])


def cue(t: Tagging, label: str) -> Evidence:
    """The state cue evidence for one actor set (not the one a group alias implies)."""
    found = [e for e in t.evidence if e.kind == "actor_set" and e.label == label]
    assert found, f"no {label} in {t.evidence}"
    return found[0]


def mention(t: Tagging, label: str) -> Evidence:
    found = [m for m in t.mentions if m.label == label]
    assert found, f"no mention of {label} in {t.mentions}"
    return found[0]


# (text, state named, role it has, the text quoted, actor sets the item must have)
NOT_THE_ACTOR = [
    ("Beijing accuses Washington of spying on its universities", "china", "accuser", "Beijing",
     ()),
    ("Russia's foreign ministry said the telecom outage was sabotage", "russia", "accuser",
     "Russia", ()),
    ("The malware hit banks in Russia, according to Kaspersky", "russia", "target", "Russia",
     ()),
    ("Cyber spies from Beijing broke into Russian defence institutes", "russia", "target",
     "Russian", ("china",)),
    ("Sandworm reused Iranian wiper code against a port", "iran", "setting", "Iranian",
     ("russia",)),
    ("The intruders planted clues to make it look like Pyongyang was behind it",
     "north-korea", "setting", "Pyongyang", ()),
    ("A Pakistan-based actor's servers were quietly taken over by Secret Blizzard",
     "pakistan", "target", "Pakistan-based", ("russia",)),
    ("Turla, also tracked as Secret Blizzard, took over the servers of a Pakistan-based actor",
     "pakistan", "target", "Pakistan-based", ("russia",)),
    ("Investigators say APT28 hijacked the infrastructure of an Iranian group", "iran",
     "target", "Iranian", ("russia",)),
    ("ウクライナ政府はロシアが関与したと非難した", "russia", "actor", "ロシア", ("russia",)),
    ("ロシア政府は米国のハッキングを非難した", "russia", "accuser", "ロシア政府", ()),
    ("Venemaa süüdistas Eestit küberrünnakus", "russia", "accuser", "Venemaa", ()),
    # a state marked は before a quote is its speaker, not the quote's subject
    ("中国政府は、米国の情報機関がハルビンの大会にサイバー攻撃を仕掛けたと非難した", "china",
     "accuser", "中国政府", ()),
    # a tie the source says is not confirmed is no tie
    ("The hacktivist crew, which has no confirmed ties to the Russian state, hit bank sites",
     "russia", "setting", "Russian state", ()),
    # a tie denied in the passive is no tie
    ("The crew has not been publicly tied to Moscow by investigators", "russia", "setting",
     "Moscow", ()),
    # an Estonian verb of blame reaches its object, not what the act was against
    ("Keskpank süüdistab Ukrainat DDoS-rünnakus Vene pankade vastu", "russia", "setting",
     "Vene", ()),
    ("The FSB separately accused US intelligence of bugging phones", "russia", "accuser",
     "FSB", ()),
    # an organ that speaks is no actor, however its state is written before it
    ("Russia's FSB said it had foiled a foreign plot against its diplomats", "russia", "setting",
     "Russia", ()),
    ("Ransomware gangs in Russia hit hospitals abroad", "russia", "setting", "Russia", ()),
    # a state at war, not in a network
    ("North Korea launched two ballistic missiles on Tuesday", "north-korea", "setting",
     "North Korea", ()),
    # the victims' ties are no tie of the act
    ("Firms tied to China were hit by ransomware", "china", "setting", "China", ()),
    # a place of the victims, however close an act is: only the verb of origin links
    ("Attacks on hospitals in Russia rose sharply", "russia", "target", "Russia", ()),
]  # fmt: skip


@pytest.mark.parametrize(("text", "state", "role", "quoted", "sets"), NOT_THE_ACTOR)
def test_a_state_that_speaks_suffers_or_only_supplies_is_not_the_actor(
    text: str, state: str, role: str, quoted: str, sets: tuple[str, ...]
) -> None:
    result = tag(text)
    assert result.actor_sets == sets
    if role == "actor":
        assert cue(result, state).text == quoted
    else:
        m = mention(result, state)
        assert (m.role, m.text) == (role, quoted)


OWN_COUNTRY = [
    ("Russian hackers attacked Russian opposition media", "RU", True),
    ("Chinese state hackers hit telecom firms, Chinese officials denied it", "CN", False),
    ("Kremlin-backed crews hit Estonian banks, Russian media reported", "RU", False),
]


# (text, targets): a short name is matched as written, and a country that speaks is no target
SPOKEN = [
    ("Let us know if the attack hit you", ()),
    # YAML reads a bare NO as false: Norway is a code like any other
    ("Hackers breached Norway's parliament email system", ("NO",)),
    # the state's thing in the passive
    ("A large Russian insurer was hit by a data-wiping attack", ("RU",)),
    # the actor's sponsor is no victim
    ("The spyware went to a group widely linked to Israel that attacked banks", ()),
    # an impersonated country is no victim, in Japanese too
    ("北朝鮮のグループが日本の研究者を装ったメールで韓国の外交官を狙った", ("KR",)),
    # 国内 after a country is that country's inside, not Japan's
    ("台湾の軍系ハッカー組織が中国国内の発電所を攻撃したと中国当局が主張した", ("CN",)),
    ("ロシアの大手銀行に大規模なDDoS攻撃が仕掛けられた", ("RU",)),
    # Estonian: according to a government, that country speaks
    ("Saksamaa valitsuse teatel tungisid häkkerid ülikooli võrku", ()),
    # a Latin name in Japanese text is read by the Japanese rules
    ("NISCのメールシステムに不正アクセスがあった", ("JP",)),
    # the object of the act through one の: <国><organ>の<people>を標的に
    ("インド国防省の職員を標的にした攻撃が見つかった", ("IN",)),
    # countries beyond the partners' neighbourhood, and a longer name wins (not インド)
    ("Wipers hit telecom operators in Egypt, Sudan and Tanzania", ("EG", "SD", "TZ")),
    ("インドネシアの大学に不正アクセスがあった", ("ID",)),
    # a country that speaks alone of a victim sector no other country owns is its own victim
    ("Czechia blames APT31 for a breach of its foreign ministry", ("CZ",)),
    ("Germany blames the GRU for a campaign on defence and logistics firms", ("DE",)),
    # but not co-signers, several speakers, or a speech with no victim in it
    ("Japan, US and South Korea issue a joint statement on theft from crypto exchanges", ()),
    (
        "Agencies from thirteen countries, Japan among them, warn that Salt Typhoon hacked "
        "telecom providers",
        (),
    ),
    ("Germany blames the GRU for the campaign", ()),
    # the accused is no victim (the accuser speaking alone of a victim is, see above)
    ("Beijing accuses the US of hacking a university", ("CN",)),
    # a capital or a large city names its country as the place of the victims
    ("Ransomware disrupted hospitals in London", ("GB",)),
    # and the country whose attack it "received" (<国>の攻撃を受けた) is no victim
    ("中国当局は、ハルビンの大会が米国のサイバー攻撃を受けたと主張した", ("CN",)),
    # a state's name next to an institution only with nothing between (not "<国>当局は、<市>")
    ("ロシア外務省は攻撃を非難した", ()),
    # a country the investigators work with is no victim
    ("Police will share findings of the bank heist probe with US officials", ()),
    ("Iranian hackers hit US water utilities", ("US",)),
    ("US and UK officials warn that North Korean hackers target defence firms", ()),
    ("Top US security agencies say Russia hacked the energy department", ("US",)),
    # the people who act name their origin, not the victim
    ("Ukrainian hackers knocked a Russian internet provider offline", ("RU",)),
    ("A Brazilian ransomware gang hit Japanese hospitals", ("JP",)),
    ("ウクライナのハッカーがロシアの銀行を攻撃した", ("RU",)),
    # a state's own form (ロシアの) names its country as the object of the act
    ("米国が中国の大学にサイバー攻撃を行ったと中国外務省が非難した", ("CN",)),
    ("ロシアの大手銀行がサイバー攻撃を受けた", ("RU",)),
    # support received is no harm received
    ("イランの国家支援を受けたハッカーがイスラエルの水道施設を攻撃した", ("IL",)),
    # an outlet's name holds a place that is none
    (
        "Ukraine's military intelligence hit Russian telecom providers, a source told the Kyiv "
        "Independent",
        ("RU",),
    ),
]


@pytest.mark.parametrize(("text", "targets"), SPOKEN)
def test_a_country_is_a_target_as_written_and_where_its_clause_makes_it_one(
    text: str, targets: tuple[str, ...]
) -> None:
    assert tag(text).targets == targets


@pytest.mark.parametrize(("text", "iso", "kept"), OWN_COUNTRY)
def test_the_actors_own_country_is_no_target_unless_a_construction_says_so(
    text: str, iso: str, kept: bool
) -> None:
    # "attacked Russian opposition media" names the victim in the clause; a bare mention of
    # the actor's own country elsewhere does not make it the target
    assert (iso in tag(text).targets) is kept


# (text, expected actor sets, the state cue quoted for the first, the role, the rule prefix)
ACTOR = [
    # coordinated lists inherit the head's role
    ("Spies working for the governments of Iran, China and North Korea used the chatbot",
     ("china", "iran", "north-korea"), "Iran", "actor", "state-link"),
    ("Crews backed by the Russian and Chinese governments hit the ministry",
     ("china", "russia"), "Russian", "actor", "state-link"),
    ("Officials warned of meddling by Beijing and Moscow in the referendum",
     ("china", "russia"), "Beijing", "actor", "state-agent"),
    ("State hackers from countries such as Iran and North Korea probe chatbots",
     ("iran", "north-korea"), "Iran", "actor", "state-link"),
    ("北朝鮮、中国、ロシアなどによるサイバー攻撃が続く", ("china", "north-korea", "russia"),
     "北朝鮮", "actor", "ja-attributive"),
    ("ロシアや北朝鮮、イランは防衛産業への攻撃を強めている", ("iran", "north-korea", "russia"),
     "ロシア", "actor", "ja-subject"),
    # state organs as the actor
    ("防衛省のネットワークに中国人民解放軍のハッカーが侵入していた", ("china",), "中国人民解放軍",
     "actor", "ja-attributive"),
    ("Three officers of the PLA were indicted for the intrusion", ("china",), "PLA", "actor",
     "state-organ"),
    ("Prosecutors named 4 PLA officers in the theft", ("china",), "PLA", "actor",
     "state-organ"),
    ("FSB Center 18 ran the phishing against diplomats", ("russia",), "FSB", "actor",
     "state-organ"),
    ("Russian FSB officers hacked the committee", ("russia",), "FSB", "actor", "state-organ"),
    ("人民解放軍の指示を受けたハッカーが大学を狙った", ("china",), "人民解放軍", "actor",
     "ja-attributive"),
    ("Vene eriteenistustega seotud häkkerid ründasid haiglat", ("russia",),
     "Vene eriteenistustega", "actor",
     "state-service"),
    ("Venemaa valitsusega seotud häkkerid ründasid haiglat", ("russia",), "Venemaa", "actor",
     "et-attributive"),
    # other attributive shapes
    ("A likely Iranian intrusion at a water utility", ("iran",), "Iranian", "actor",
     "state-event"),
    ("Analysts assess the actor operates out of Russia", ("russia",), "Russia", "actor",
     "state-link"),
    ("Most of these intrusions came from China", ("china",), "China", "actor", "state-link"),
    ("The crew acts at the behest of Tehran", ("iran",), "Tehran", "actor", "state-link"),
    ("The Beijing-directed campaign hit shipping firms", ("china",), "Beijing", "actor",
     "state-compound"),
    ("Workers laundered stolen crypto for North Korea", ("north-korea",), "North Korea",
     "beneficiary", "state-beneficiary"),
    ("Põhja-Korea varastas krüptobörsidelt miljoneid", ("north-korea",), "Põhja-Korea", "actor",
     "et-subject"),
    ("Austraalia süüdistades Pekingit küberrünnakutes", ("china",), "Pekingit", "actor",
     "et-attributive"),
    # a verb of tying whose object is the act: the state it is tied to did it
    ("Investigators tied the wave of intrusions at Polish ministries to Moscow", ("russia",),
     "Moscow", "actor", "state-attributed"),
    # the source's hedge between the Japanese link and its noun
    ("ロシア政府の支援を受けたとされるハッカーが港湾を狙った", ("russia",), "ロシア政府", "actor",
     "ja-attributive"),
    ("Russian agents tried to break into the chemical weapons watchdog", ("russia",),
     "Russian", "actor", "state-adjective"),
    ("The crew, which Mandiant ties to Tehran, phished nuclear experts", ("iran",), "Tehran",
     "actor", "state-link"),
    ("The influence operation was run out of Moscow, analysts said", ("russia",), "Moscow",
     "actor", "state-link"),
    # people placed in a state act for it; acts and gangs placed there are the place
    ("Google said the exploit was sold to a government-backed actor in Iran", ("iran",), "Iran",
     "actor", "state-link"),
    ("The group likely acts in support of Belarusian and Russian interests",
     ("belarus", "russia"), "Belarusian", "actor", "state-link"),
    # a report verb after the quotative と closes the quote the state acts in
    ("韓国の情報機関は、北朝鮮が防衛企業をハッキングしたと発表した", ("north-korea",), "北朝鮮",
     "actor", "ja-subject"),
    # the agent of a quoted verb, named by its title
    ("The outage was 'orchestrated and sponsored' by the Islamic Republic, the prime minister "
     "said", ("iran",), "the Islamic Republic", "actor", "state-agent"),
    # a verb of origin is a link of its own, adverb or not
    ("The phishing campaign probably originated in Iran", ("iran",), "Iran", "actor",
     "state-link"),
    # a generic organ after the state's adjective
    ("The Russian Foreign Intelligence Service read the ministers' mail", ("russia",),
     "Russian", "actor", "state-adjective"),
    ("A North Korean IT worker was hired by the exchange", ("north-korea",), "North Korean",
     "actor", "state-adjective"),
    # an inflected Estonian organ after the state (the phrase glued to its ending)
    ("Venemaa eriteenistuste häkkerid ründasid ministeeriumi", ("russia",),
     "Venemaa eriteenistuste",
     "actor", "state-service"),
    ("ロシアを拠点とするハッカー集団が自治体を狙った", ("russia",), "ロシア", "actor",
     "ja-attributive"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "sets", "quoted", "role", "rule"), ACTOR)
def test_clause_constructions_make_the_state_the_actor(
    text: str, sets: tuple[str, ...], quoted: str, role: str, rule: str
) -> None:
    result = tag(text)
    assert result.actor_sets == sets
    first = [e for e in result.evidence if e.kind == "actor_set" and e.text == quoted]
    assert first, result.evidence
    assert first[0].role == role and first[0].rule.startswith(rule)
    # every other state of the list carries the same role
    assert {e.role for e in result.evidence if e.kind == "actor_set"} == {role}


HEDGES = [
    (
        "Microsoft said a suspected Chinese espionage group breached the ministry",
        "suspected",
        "vendor",
    ),
    (
        "The FBI assessed with moderate confidence that APT28 ran the campaign",
        "assessed with moderate confidence",
        "official",
    ),
    ("警察庁は中国の関与が疑われるとした", "疑われる", "official"),
    ("Hackers linked to North Korea stole crypto from an exchange", "", "media"),
    (
        "RIA hinnangul olid ründajad suure tõenäosusega Venemaaga seotud",
        "suure tõenäosusega",
        "official",
    ),
    ("The group claimed responsibility for the attack on behalf of Tehran", "", "self-claimed"),
]


@pytest.mark.parametrize(("text", "hedge", "kind"), HEDGES)
def test_hedge_and_attribution_type_are_kept_in_the_sources_words(
    text: str, hedge: str, kind: str
) -> None:
    result = tag(text)
    attributions = [e for e in result.evidence if e.kind == "actor_set"]
    assert attributions, result.evidence
    for e in attributions:
        assert (e.hedge, e.attribution_type) == (hedge, kind)
        assert e.rule.endswith("-hedged") is bool(hedge)


# (text, targets, sectors): a partner's institutions name the partner without naming it
INSTITUTIONS = [
    ("RIA teatas, et rünnak oli lühiajaline", (), ()),
    ("警察庁によると、攻撃は続いている", (), ()),
    ("ロシア外務省は攻撃を非難した", (), ()),
    ("Russia's foreign ministry denied attacking the hospitals", (), ("health",)),
    ("Haridusministeeriumi veebilehte tabas ummistusrünnak", ("EE",), ("government",)),
    ("Kaitseministeerium sattus küberrünnaku sihtmärgiks", ("EE",), ("defence",)),
    ("防衛省がサイバー攻撃を受けた", ("JP",), ("defence",)),
    ("横浜市の委託先がランサムウェアの被害を受けた", ("JP",), ()),
    ("Russian hackers target the Riigikogu website", ("EE",), ("government",)),
]


@pytest.mark.parametrize(("text", "targets", "sectors"), INSTITUTIONS)
def test_partner_institutions_give_the_partner_as_target(
    text: str, targets: tuple[str, ...], sectors: tuple[str, ...]
) -> None:
    result = tag(text)
    assert (result.targets, result.sectors) == (targets, sectors)
    for e in result.evidence:
        if e.kind == "target":
            assert e.text and text[e.start : e.end] == e.text and e.role == "target"


# (text, sectors): a sector word names a victim only where the clause makes it one
SECTORS = [
    # hard negatives: the actor, the speaker, a name, a disguise, untouched data
    ("Phishers relied on social engineering against staff", ()),
    ("Russian military intelligence attacked the shipping registry", ("transport",)),
    ("Chinese military personnel were charged over the intrusion", ()),
    ("The government said the intrusion was contained", ()),
    ("The public broadcaster NHK reported a ransomware attack on a port operator", ("transport",)),
    ("Spies posing as reporters and diplomats phished the researchers' inboxes", ()),
    ("英政府が攻撃を非難した", ()),
    ("宇宙航空研究開発機構に不正アクセス", ("education-research",)),
    ("攻撃を受けたが、電力や鉄道に関する情報は流出していない", ()),
    ("ロシアの軍事行動とサイバー攻撃が連動している", ()),
    # recall: how sources name victims
    ("A campaign against Japanese broadcasters", ("media",)),
    ("The phishing targeted think-tank staff", ("education-research",)),
    ("Intruders breached a credit bureau", ("finance",)),
    ("Attackers hit a nuclear plant operator", ("energy",)),
    ("Ransomware stopped production at an automaker's plant", ("manufacturing",)),
    ("The wiper hit internet providers across the region", ("telecom",)),
    ("Hackers stole data from the federal government", ("government",)),
    ("Küberrünnak tabas pangad ja krüptobörsid", ("crypto-currency", "finance")),
    ("Investigators traced last year's crypto hacks to one crew", ("crypto-currency",)),
    ("The heist drained a central bank's reserve account", ("finance",)),
    ("Põhja-Korea on võtnud sihikule pangad", ("finance",)),
    ("Intruders penetrated the defence ministry's mail servers", ("defence", "government")),
    ("The wiper caused blackouts in three regions", ("energy",)),
    ("Ransomware disrupted the port of Nagoya for two days", ("transport",)),
    ("Spear-phishers phished MPs in several parliaments", ("government",)),
    ("北朝鮮のハッカーが取引所から暗号資産を盗んだ", ("crypto-currency",)),
    ("通信大手の社内ネットワークに不正アクセスがあった", ("telecom",)),
    ("新聞社のウェブサイトが改ざんされた", ("media",)),
    ("Telekomiettevõtte võrku tungiti sisse", ("telecom",)),
    ("Kaitsetööstusettevõtted said õngitsuskirju", ("defence",)),
    ("Phishers lured think-tank researchers with fake invitations", ("education-research",)),
    ("Thieves drained a crypto exchange of $90 million", ("crypto-currency",)),
    ("Intruders breached the Bundestag network", ("government",)),
    ("Küberrünnak tabas apteeke", ("health",)),
    ("Iraani häkkerid ründasid Albaania valitsuse infosüsteeme", ("government",)),
    # the actor's own government, and a speaking one, are no victim sector
    ("Hiina valitsuse koordineeritud häkkerid ründasid Ukraina veebisaite", ()),
    ("Saksamaa valitsuse teatel tungisid häkkerid ülikooli võrku", ("education-research",)),
    # a phrase that holds a sector word names no sector
    ("NoName057(16) knocked ministry sites offline over military aid to Ukraine", ("government",)),
    ("Ransomware crews hit clinics for financial gain", ("health",)),
    ("Hackers hijacked the state TV broadcast", ("media",)),
    ("The breach of a health insurer exposed millions of records", ("health",)),
    ("Eesti pankade internetipangad olid teenusetõkestusrünnaku tõttu häiritud", ("finance",)),
    ("中国系のグループが米国の通信インフラに潜伏していた", ("telecom",)),
    # the recipients of stolen goods and an impersonated body are no victims
    ("The operatives offered the stolen files to news outlets", ()),
    ("Phishers sent fake tax authority notices to retailers", ()),
    ("Attackers flooded the tax authority portal with traffic", ("government",)),
    ("Andmed lekkisid apteegi kliendibaasist", ("health",)),
    ("Mobiilioperaatori võrk oli rünnaku tõttu maas", ("telecom",)),
    # the government of the state a group alias gives is the actor's own
    ("ベトナム政府の関与が指摘される「APT32」が自動車メーカーを狙った", ("manufacturing",)),
    # 強盗 (robbery) holds 盗 but steals no data
    ("銀行強盗より取引所のハッキングが簡単だという", ()),
]


@pytest.mark.parametrize(("text", "sectors"), SECTORS)
def test_sector_words_name_a_victim_only_in_the_victims_place(
    text: str, sectors: tuple[str, ...]
) -> None:
    result = tag(text)
    assert result.sectors == sectors
    for e in result.evidence:
        if e.kind == "sector":
            assert text[e.start : e.end] == e.text and e.role == "target"


# (title, summary, targets): a country that speaks, co-signs, reports or was the actor's past
# focus is no victim of the event; the same country in the victim's place still is
BYSTANDERS = [
    (
        "Joint advisory",
        "Agencies from thirteen countries, Japan among them, describe how "
        "Chinese state-sponsored actors compromise backbone routers of telecom providers.",
        (),
    ),
    (
        "Japan, US and South Korea issue joint statement on North Korean crypto theft",
        "The three governments say North Korean actors stole more than $600 million.",
        (),
    ),
    (
        "New campaign",
        "The China-aligned group MirrorFace, until now focused on Japan, "
        "targeted a Central European diplomatic institute.",
        (),
    ),
    (
        "Välisluureamet: Hiina häkkerid koguvad teavet Euroopa riikide kohta",
        "Välisluureameti raporti järgi sihivad Hiina häkkerid valitsusasutusi.",
        (),
    ),
    ("Alert", "JPCERT/CC has confirmed exploitation of a flaw in VPN gateways.", ()),
    (
        "Warning",
        "Iranian actors may target defence firms, especially firms with ties to Israel.",
        (),
    ),
    ("Campaign", "GRU Unit 26165 targeted logistics firms that coordinate aid to Ukraine.", ()),
    ("Phishing", "Kimsuky sent e-mails posing as South Korean officials to think-tank staff.", ()),
    ("UK exposes Russian military intelligence campaign", "The malware stole credentials.", ()),
    ("Campaign", "Russian hackers attacked government networks in Ukraine.", ("UA",)),
    # the victim's place
    (
        "Alert",
        "JPCERT/CC has confirmed exploitation of a flaw in VPN gateways against "
        "organisations in Japan.",
        ("JP",),
    ),
    ("Outage", "Attackers hit JPCERT/CC with a flood of traffic.", ("JP",)),
    (
        "Joint advisory",
        "The advisory, co-sealed by the UK and Canada, says the actors "
        "compromised routers in Japan.",
        ("JP",),
    ),
    ("Joint advisory", "MirrorFace targeted ministries in Japan and Estonia.", ("EE", "JP")),
]


def test_a_states_tools_are_no_attribution_to_it() -> None:
    result = TAGGER.tag([("title", "Turla revealed as exploiting Iranian hacking tools")])
    assert result.actor_sets == ("russia",)
    assert mention(result, "iran").role == "setting"


@pytest.mark.parametrize(("title", "summary", "targets"), BYSTANDERS)
def test_a_country_that_speaks_co_signs_or_was_the_past_focus_is_no_target(
    title: str, summary: str, targets: tuple[str, ...]
) -> None:
    result = TAGGER.tag([("title", title), ("summary", summary)])
    assert result.targets == targets
