"""Event extraction on real-looking news sentences: trigger families, argument patterns,
negation, attribution, modality, dates and evidence offsets."""

from __future__ import annotations

import pytest

from dossier.clean.records import CleanArticle, OffsetMap, PublishedDate
from dossier.extract.records import Event
from dossier.nlp.records import TimeExpression


def _article(text: str, date: str | None = "2021-03-26", precision: str = "day") -> CleanArticle:
    # The body sits inside a longer raw input, so raw and body offsets differ.
    raw = "HEADLINE\n\n" + text + "\n\nShare this article"
    return CleanArticle(
        doc_id="test", name="test.txt", source="test.txt", raw=raw, media_type="text", body=text,
        offsets=OffsetMap(((0, 10, len(text)),)),
        published=PublishedDate(date, precision, "test"),  # type: ignore[arg-type]
    )


def _events(models, text: str, **kw) -> tuple[Event, ...]:  # type: ignore[no-untyped-def]
    parsed = models.parser.parse([_article(text, **kw)])[0]
    return models.extractor.events.extract(parsed)


def _find(events: tuple[Event, ...], etype: str) -> Event:
    found = [e for e in events if e.type == etype]
    assert found, f"no {etype} in {[(e.type, e.trigger) for e in events]}"
    return found[0]


def _names(parts) -> str:  # type: ignore[no-untyped-def]
    return " | ".join(p.name for p in parts)


FAMILIES = [  # sentence, type, mode, actor part, target part
    ("Russian Defence Minister Sergei Shoigu met Indian Prime Minister Narendra Modi in New Delhi on Tuesday.",
     "CONSULT", None, "Shoigu", "Modi"),
    ("Turkish President Recep Tayyip Erdogan visited Qatar last week.", "CONSULT", "visit", "Erdogan", "Qatar"),
    ("Vietnam and the Philippines signed a maritime cooperation agreement in Hanoi.",
     "AGREE", "sign-agreement", "Vietnam", ""),
    ("Iran delivered hundreds of drones to Russia, Ukrainian officials said.", "AID", "military", "Iran", "Russia"),
    ("The European Union imposed sanctions on Belarusian officials.", "SANCTION", "discontinue", "European Union", ""),
    ("The United Nations imposed an arms embargo on South Sudan.",
     "SANCTION", "embargo", "United Nations", "South Sudan"),
    ("Germany condemned the shelling of the Zaporizhzhia nuclear plant.", "ACCUSE", "disapprove", "Germany", ""),
    ("Japan urged China to release the detained businessman.", "REQUEST", None, "Japan", "China"),
    ("The Egyptian foreign ministry called on Israel to open the Rafah crossing.", "REQUEST", None, "", "Israel"),
    ("Police in Hong Kong arrested Jimmy Lai at his home.", "COERCE", "arrest", "Hong Kong", "Jimmy Lai"),
    ("Israeli air strikes killed 12 people in Gaza, the health ministry said.", "ASSAULT", "aerial", "Israel", ""),
    ("China and Russia held joint naval exercises in the Sea of Japan.", "COOPERATE", "military", "China", ""),
    ("North Korea rejected the proposal from South Korea.", "REJECT", None, "North Korea", ""),
    ("Iran threatened Israel with a crushing response.", "THREATEN", None, "Iran", "Israel"),
    ("Thousands of workers protested against the government in Nairobi.", "PROTEST", "demo", "workers", ""),
    ("Azerbaijan released five Armenian soldiers.", "RETREAT", "release", "Azerbaijan", ""),
    ("The Brazilian president praised China for its investment.", "SUPPORT", None, "", "China"),
    ("The United States lifted sanctions on Venezuela's oil sector.", "CONCEDE", None, "United States", ""),
    ("Russia deployed troops to the border with Ukraine.", "MOBILIZE", "troops", "Russia", ""),
]


@pytest.mark.parametrize("text, etype, mode, actor, target", FAMILIES)
def test_events_trigger_families(models, text, etype, mode, actor, target):  # type: ignore[no-untyped-def]
    ev = _find(_events(models, text), etype)
    assert ev.mode == mode
    assert actor in _names(ev.actors)
    assert target in _names(ev.targets)
    assert not ev.negated


PATTERNS = [  # argument pattern: passive, coordination, nominal forms
    ("Myanmar's military was sanctioned by the European Union on Monday.", "SANCTION", "European Union", "Myanmar"),
    ("The United States, Britain and the European Union imposed sanctions on the junta.",
     "SANCTION", "United States | Britain | European Union", ""),
    ("The visit of Chinese Foreign Minister Wang Yi to Pakistan strengthened the alliance.",
     "CONSULT", "Wang Yi", "Pakistan"),
    ("Talks between Armenia and Azerbaijan ended without a deal.", "CONSULT", "Armenia | Azerbaijan", ""),
    ("US Secretary of State Antony Blinken held talks with Erdogan in Ankara.", "CONSULT", "Blinken", "Erdogan"),
]


@pytest.mark.parametrize("text, etype, actors, targets", PATTERNS)
def test_events_argument_patterns(models, text, etype, actors, targets):  # type: ignore[no-untyped-def]
    ev = _find(_events(models, text), etype)
    assert actors in _names(ev.actors)
    assert targets in _names(ev.targets)


NEGATIONS = [
    ("Russia did not sanction Iran.", "SANCTION"),
    ("Officials said there had been no Russian arms sale to the junta.", "AID"),
    ("India refused to condemn Russia over the invasion.", "ACCUSE"),
    ("China, which has not condemned the coup, remains an ally of the junta.", "ACCUSE"),
    ("Moscow denied supplying weapons to the Houthis.", "AID"),
]


@pytest.mark.parametrize("text, etype", NEGATIONS)
def test_events_negation_forms(models, text, etype):  # type: ignore[no-untyped-def]
    events = _events(models, text)
    found = [e for e in events if e.type == etype]
    if etype == "AID" and not found:
        pytest.fail(f"no AID event in {[(e.type, e.trigger) for e in events]}")
    assert found and all(e.negated for e in found)


ATTRIBUTIONS = [
    ("Fomin met junta leader Min Aung Hlaing in Naypyitaw, state-run TASS said.", "CONSULT", "TASS"),
    ("Security forces killed 15 protesters in Mandalay, according to the Assistance Association for "
     "Political Prisoners.", "ASSAULT", "Assistance Association for Political Prisoners"),
    ("Government troops arrested dozens of students in Yangon, activists say.", "COERCE", "activists"),
]


@pytest.mark.parametrize("text, etype, source", ATTRIBUTIONS)
def test_events_attribution_forms(models, text, etype, source):  # type: ignore[no-untyped-def]
    ev = _find(_events(models, text), etype)
    assert ev.source is not None and source in ev.source


def test_events_future_cooperation_is_agree(models):  # type: ignore[no-untyped-def]
    events = _events(models, "Russia wants to strengthen military ties with Myanmar, state media reported.")
    ev = _find(events, "AGREE")
    assert "Russia" in _names(ev.actors)
    assert ev.source == "state media"
    planned = _events(models, "Indian Prime Minister Narendra Modi will visit Washington next month.")
    assert [e.type for e in planned] == ["AGREE"]


def test_events_conditional_is_not_coded(models):  # type: ignore[no-untyped-def]
    events = _events(models, "If Iran attacks Israel, the United States could impose new sanctions on Tehran.")
    assert not [e for e in events if e.type in {"SANCTION", "ASSAULT"}]


def test_events_date_from_own_clause_and_unknown_otherwise(models):  # type: ignore[no-untyped-def]
    text = "Fomin met Min Aung Hlaing in Naypyitaw on Friday. Russia has sold jets to Myanmar's military."
    article = _article(text)
    parsed = models.parser.parse([article])[0]
    start = text.index("on Friday")
    parsed.timexes = (TimeExpression(start, start + 9, "on Friday", "2021-03-26", "day", "weekday-before-anchor"),)
    events = models.extractor.events.extract(parsed)
    meet = _find(events, "CONSULT")
    assert (meet.date, meet.precision) == ("2021-03-26", "day")
    assert "on Friday" in meet.date_rule
    assert meet.place == "Naypyitaw"
    sale = _find(events, "AID")
    assert (sale.date, sale.precision) == (None, "unknown")  # never the article date for an undated sale


def test_events_statement_takes_article_date(models):  # type: ignore[no-untyped-def]
    ev = _find(_events(models, "Khin Yi urged Russia to support the military government."), "REQUEST")
    assert (ev.date, ev.precision) == ("2021-03-26", "day")
    assert "article date" in ev.date_rule


def test_events_one_action_merged_with_all_evidence(models):  # type: ignore[no-untyped-def]
    text = ("Junta leader Min Aung Hlaing visited Russia on a week-long trip. "
            "During the visit, Min Aung Hlaing toured an arms factory near Moscow. "
            "Min Aung Hlaing's visit to Russia was his second trip abroad.")
    visits = [e for e in _events(models, text) if e.type == "CONSULT"]
    assert len(visits) == 1
    assert len(visits[0].evidence) >= 2


def test_events_evidence_offsets_point_into_body_and_raw(models):  # type: ignore[no-untyped-def]
    text = "Tensions rose.\nThe European Union imposed sanctions on Belarusian officials on Monday.\nMore later."
    article = _article(text)
    parsed = models.parser.parse([article])[0]
    events = models.extractor.events.extract(parsed)
    assert events
    for ev in events:
        for e in ev.evidence:
            assert article.body[e.body_start : e.body_end] == e.text
            assert article.raw[e.start : e.end] == e.text
            assert "\n" not in e.text


ALLEGED = [  # accusation + the alleged action, with the accuser as source
    ("Western governments have accused Belarus of preparing to deliver tanks and artillery shells to Serbia.",
     "AID", "Belarus", "Serbia", "Western governments"),
]


@pytest.mark.parametrize("text, etype, actor, target, source", ALLEGED)
def test_events_alleged_action_coded_with_accuser_as_source(models, text, etype, actor, target, source):  # type: ignore[no-untyped-def]
    events = _events(models, text)
    _find(events, "ACCUSE")
    ev = _find(events, etype)
    assert actor in _names(ev.actors) and target in _names(ev.targets)
    assert ev.source == source and not ev.negated
    assert ev.date is None  # the allegation's date is not the alleged action's


DENIALS = [  # (text, actor, target): the denied action negated, no REJECT by the denier
    ("Egypt's defence minister, Mohamed Zaki, has denied supplying rockets to Hamas.", "Egypt", "Hamas"),
    ("Belgrade has denied seeking Belarusian weapons.", "Belarus", "Serbia"),
]


@pytest.mark.parametrize("text, actor, target", DENIALS)
def test_events_denial_negates_the_denied_action(models, text, actor, target):  # type: ignore[no-untyped-def]
    events = _events(models, text)
    aid = _find(events, "AID")
    assert aid.negated and actor in _names(aid.actors) and target in _names(aid.targets)
    assert not [e for e in events if e.type == "REJECT"]


@pytest.mark.parametrize("text, etype", [
    ("Officials said no agreements were signed during the summit between Kenya and Uganda.", "AGREE"),
])
def test_events_no_on_the_object_negates(models, text, etype):  # type: ignore[no-untyped-def]
    found = [e for e in _events(models, text) if e.type == etype]
    assert all(e.negated for e in found)


def test_events_negation_scope_threat_and_policy(models):  # type: ignore[no-untyped-def]
    threat = _events(models, "Canada said it would not hesitate to impose new sanctions on those responsible.")
    assert [e.type for e in threat] == ["THREATEN"] and not threat[0].negated
    assert not _events(models, "Brazil does not recognise unilateral sanctions.")


PLANNED = [  # announced or expected actions are AGREE (CODEBOOK), proposals are not the action
    ("Orban accepted an invitation to visit China at a convenient time, the ministry said.", "Orban"),
    ("Erdogan was expected to travel on to Izmir to visit a shipyard, state media reported.", "Erdogan"),
    ("Borrell said the European Union would provide a further €40m to help Moldova.", "European Union"),
]


@pytest.mark.parametrize("text, actor", PLANNED)
def test_events_planned_actions_are_agree(models, text, actor):  # type: ignore[no-untyped-def]
    events = _events(models, text)
    assert events and all(e.type == "AGREE" for e in events)
    assert actor in _names(events[0].actors)
    assert events[0].date == "2021-03-26"  # dated by the reporting verb's tense


def test_events_proposal_is_not_the_action(models):  # type: ignore[no-untyped-def]
    text = "Kenya's foreign ministry proposed that the president sever diplomatic relations with Sudan."
    events = _events(models, text)
    assert [e.type for e in events] == ["REQUEST"]


LEXICON_GAPS = [  # sentence, type, mode, actor part, target part
    ("North Korea fired three cruise missiles into the sea off its west coast.", "MOBILIZE", "weapons",
     "North Korea", ""),
    ("Iranian drones struck Odesa on Tuesday, killing three people.", "ASSAULT", "aerial", "Iran", "Odesa"),
    ("Armenian troops crossed the border into Azerbaijan on 3 March.", "ASSAULT", None, "Armenia", "Azerbaijan"),
    ("Turkey imported Russian crude oil worth $2 billion last year.", "COOPERATE", "economic", "Turkey", "Russia"),
    ("Russia sent more than 50,000 tonnes of wheat to Syria in March.", "AID", "economic", "Russia", "Syria"),
    ("The Nicaraguan government did not allow the Red Cross team to visit the prison.", "REJECT", None,
     "Nicaragua", ""),
    ("A Chinese navy flotilla sailed into Colombo harbour in Sri Lanka on Monday.", "CONSULT", "visit",
     "China", "Sri Lanka"),
    ("The president warned of serious consequences if Serbia attacked Kosovo.", "THREATEN", None, "president", ""),
    ("Saudi Arabia restored diplomatic ties with Iran on Friday.", "COOPERATE", None, "Saudi Arabia", ""),
]


@pytest.mark.parametrize("text, etype, mode, actor, target", LEXICON_GAPS)
def test_events_lexicon_gap_families(models, text, etype, mode, actor, target):  # type: ignore[no-untyped-def]
    ev = _find(_events(models, text), etype)
    assert ev.mode == mode
    assert actor in _names(ev.actors)
    assert target in _names(ev.targets)
    assert not ev.negated


def test_events_unnamed_bodies_and_pairs_resolve(models):  # type: ignore[no-untyped-def]
    text = ("Hungarian Prime Minister Viktor Orban met Chinese President Xi Jinping in Beijing on Monday. "
            "The two leaders held talks on trade. "
            "A court in Budapest later convicted the activist, and prosecutors in Hungary asked for five years.")
    events = _events(models, text)
    talks = [e for e in events if e.type == "CONSULT" and "talks" in e.trigger]
    assert talks and {"Viktor Orban", "Xi Jinping"} <= {p.name for e in talks for p in e.actors + e.targets}
    convict = _find(events, "SANCTION")
    assert _names(convict.actors) == "Hungary"


def test_events_nominal_meeting_takes_the_date_of_its_clause(models):  # type: ignore[no-untyped-def]
    text = "Sudan and Chad declared their intention to boost trade after a meeting between their ministers."
    events = _events(models, text)
    meeting = [e for e in events if e.type == "CONSULT"]
    assert meeting and (meeting[0].date, meeting[0].precision) == ("2021-03-01", "month")


def test_events_present_perfect_background_is_undated(models):  # type: ignore[no-untyped-def]
    text = "Chile signed a deal with Peru on Tuesday. Human rights groups have accused Peru of torture."
    accuse = _find(_events(models, text), "ACCUSE")
    assert accuse.date is None
    lede = _find(_events(models, "Human rights groups have accused Peru of torture."), "ACCUSE")
    assert lede.date == "2021-03-26"  # the story's first sentence is the news of the day


COVERAGE = [  # wider news coverage: one sentence per new trigger family (sentence, type, mode, actor, target)
    ("Qatar mediated talks between Hamas and Israel in Doha.", "CONSULT", "third-party", "Qatar", "Hamas"),
    ("Egyptian President Abdel Fattah al-Sisi received Ethiopian Prime Minister Abiy Ahmed in Cairo.",
     "CONSULT", "visit", "Abiy Ahmed", "Sisi"),
    ("China and Brazil announced a partnership on satellite technology.", "COOPERATE", None, "China", ""),
    ("The World Bank approved a $500 million loan to Ethiopia.", "AID", "economic", "World Bank", "Ethiopia"),
    ("Pakistan took delivery of the frigate PNS Taimur from China last year.", "AID", "military", "China", "Pakistan"),
    ("A ceasefire between Israel and Hamas took effect on Friday.", "AGREE", None, "Israel | Hamas", ""),
    ("Ethiopia warned Egypt against interfering in its affairs.", "THREATEN", None, "Ethiopia", "Egypt"),
    ("The African Union suspended Gabon after the coup.", "SANCTION", "expel", "African Union", "Gabon"),
    ("China suspended imports of Japanese seafood.", "SANCTION", "embargo", "China", ""),
    ("South Korea put its military on high alert.", "MOBILIZE", "troops", "South Korea", ""),
    ("Taiwan scrambled jets after Chinese aircraft entered its air defence zone.",
     "MOBILIZE", "weapons", "Taiwan", ""),
    ("Israel blockaded the Gaza Strip.", "COERCE", "restrict", "Israel", "Gaza"),
    ("Russia is holding at least 30 journalists behind bars.", "COERCE", "arrest", "Russia", ""),
    ("Georgian police used tear gas to disperse protesters outside parliament.",
     "ASSAULT", "crowd-control", "Georgia", "protesters"),
    ("Ethiopia handed over the captured soldiers to the International Committee of the Red Cross.",
     "RETREAT", "release", "Ethiopia", "Red Cross"),
]


@pytest.mark.parametrize("text, etype, mode, actor, target", COVERAGE)
def test_events_coverage_families(models, text, etype, mode, actor, target):  # type: ignore[no-untyped-def]
    ev = _find(_events(models, text, date="2023-06-16"), etype)
    assert ev.mode == mode
    assert actor in _names(ev.actors)
    assert target in _names(ev.targets)
    assert not ev.negated


def test_events_passive_without_agent_keeps_named_target(models):  # type: ignore[no-untyped-def]
    ev = _find(_events(models, "The opposition leader Ousmane Sonko was arrested in Dakar on Friday.",
                       date="2023-06-16"), "COERCE")
    assert ev.mode == "arrest" and not ev.actors
    assert "Sonko" in _names(ev.targets)
    assert ev.date == "2023-06-16"


def test_events_aggregate_toll_without_actor_is_not_coded_alone(models):  # type: ignore[no-untyped-def]
    events = _events(models, "At least 40 people were killed in the market town on Sunday.", date="2023-06-16")
    assert not [e for e in events if e.type == "ASSAULT" and not e.actors]
