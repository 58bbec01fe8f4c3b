"""Typing, naming, country and merge rules for unseen news, one test per rule, on written sentences."""

from __future__ import annotations

import pytest

from dossier.clean.records import PublishedDate
from dossier.nlp.timex import find_timexes

from .conftest import entity_with

BODY_CASES = [  # sentence, surface that must be an alias, canonical name, country
    # "<Country>'s foreign/defence ministry": a state body named in full, the phrase an alias
    ("Chile's foreign ministry summoned the ambassador on Tuesday.", "Chile's foreign ministry",
     "Chilean Ministry of Foreign Affairs", "CHL"),
    ("The Japanese Defence Ministry said the missile fell into the sea.", "The Japanese Defence Ministry",
     "Japanese Ministry of Defence", "JPN"),
    ("Turkey's defense ministry said two drones were shot down near the border.", "Turkey's defense ministry",
     "Turkish Ministry of Defence", "TUR"),
    # "<Country>'s armed forces" and "<Demonym> troops": the country's military
    ("Egypt's armed forces were placed on alert after the attack.", "Egypt's armed forces", "Egypt military",
     "EGY"),
    ("Ethiopian troops crossed into the region last month, residents said.", "Ethiopian troops",
     "Ethiopia military", "ETH"),
    # a parliament named by its country
    ("A delegation of the Kenyan parliament arrived in Nairobi.", "Kenyan parliament", "Kenyan parliament", "KEN"),
]


@pytest.mark.parametrize("sentence, alias, name, country", BODY_CASES)
def test_rules_state_bodies_named_in_full(parse, sentence, alias, name, country):
    ent = entity_with(parse(sentence), alias)
    assert (ent.name, ent.type, ent.country) == (name, "ORG", country)


def test_rules_owner_needed_for_forces(parse):
    parsed = parse("Peacekeeping troops patrolled the streets as government forces withdrew.")
    assert not any(e.name.endswith("military") for e in parsed.entities)


TYPE_CASES = [  # sentence, surface, type it must have
    # lower-case title right before a two-word name: a person, whatever spaCy said
    ("Turkey's envoy Feridun Sinirlioglu said the vote was a mistake.", "Feridun Sinirlioglu", "PERSON"),
    # a class noun before the name: companies, facilities, exercises
    ("Shipping data firm Kpler said exports rose in March.", "Kpler", "ORG"),
    ("Tourists gathered at the fortress of El Morro to watch the ships.", "El Morro", "LOC"),
    ("The two navies held the exercise Northern Shield-2 near the coast.", "Northern Shield-2", "EVENT"),
    # organisation words make a name an organisation ("Services", "Sabha", "Ltd")
    ("The bill passed the Rajya Sabha on Wednesday.", "Rajya Sabha", "ORG"),
    ("Investigators named Caspian Cargo Services as the carrier.", "Caspian Cargo Services", "ORG"),
    # "X region" keeps its noun and is a place
    ("Drones struck a depot in the Belgorod region overnight.", "Belgorod region", "GPE"),
    # hyphenated place names stay whole
    ("The train reached Rostov-on-Don late on Sunday.", "Rostov-on-Don", "GPE"),
]


@pytest.mark.parametrize("sentence, surface, etype", TYPE_CASES)
def test_rules_types_from_context(parse, sentence, surface, etype):
    assert entity_with(parse(sentence), surface).type == etype


NOT_ENTITY_CASES = [  # sentence, surface that must not be an entity or alias
    ("The frigate Admiral Makarov docked on Monday; the Makarov left two days later.", "Makarov"),
    ("The destroyer USS Carney shot down the drones.", "USS Carney"),
    ("The launch took place at 0400 UTC, officials said.", "UTC"),
    ("The parade recalled Soviet times, veterans said.", "Soviet"),
    ("Tankers waited off the Pacific port for days.", "Pacific"),
    ("The China-Pakistan Economic Corridor (CPEC) is a flagship project. CPEC has been delayed.", "CPEC"),
    ("Aung Thu Nyein, a Thailand-based researcher, said the deal was small.", "Thailand"),
]


@pytest.mark.parametrize("sentence, surface", NOT_ENTITY_CASES)
def test_rules_non_entities(parse, sentence, surface):
    parsed = parse(sentence)
    assert all(surface not in e.aliases and e.name != surface for e in parsed.entities), parsed.entities


def test_rules_person_country_from_office_owner(parse):
    parsed = parse("Kenya's interior minister Abdi Wario Hassan met police chiefs on Friday.")
    person = entity_with(parsed, "Abdi Wario Hassan")
    assert person.type == "PERSON" and person.country == "KEN"
    assert any(a.startswith("Kenya's interior minister") for a in person.aliases)


def test_rules_region_of_a_country(parse):
    parsed = parse("Floods hit Russia's Far East, and Russia sent rescuers.")
    region = entity_with(parsed, "Far East")
    assert region.type == "LOC" and region.country == "RUS"
    assert "Russia's Far East" in region.aliases


def test_rules_national_prefix_kept_in_organisation_name(parse):
    ent = entity_with(parse("The U.S. National Security Council said the flotilla posed no threat."),
                      "U.S. National Security Council")
    assert ent.type == "ORG" and ent.country == "USA"


def test_rules_short_form_of_organisation_merges(parse):
    parsed = parse("Reporter Anna Petrova of the Financial Times was detained. The Times said its reporter "
                   "was innocent.")
    ft = entity_with(parsed, "Financial Times")
    assert "Times" in ft.aliases
    assert sum(1 for e in parsed.entities if e.type == "ORG") == 1


def test_rules_surname_typed_as_organisation_joins_person(parse):
    parsed = parse("Correspondent Olga Markova was arrested in Kazan. Ms Markova's lawyers appealed. "
                   "Markova denied the charges.")
    person = entity_with(parsed, "Olga Markova")
    assert person.type == "PERSON" and "Markova" in person.aliases
    assert [e.name for e in parsed.entities if e.type == "PERSON"] == ["Olga Markova"]


def test_rules_speaker_with_pronoun_is_a_person(parse):
    # spaCy calls this name an organisation; "said" and the "He" that follows make it a person.
    parsed = parse("Adebayo Okonkwo said the shipment was late. He added that customs had held it for a week.")
    assert entity_with(parsed, "Adebayo Okonkwo").type == "PERSON"


def test_rules_listed_official_of_international_body_is_a_person(parse):
    # Phoenix files officials of international bodies as organisations; the loader retypes them.
    parsed = parse("The EU's foreign policy chief Josep Borrell said the bloc would respond. Borrell "
                   "did not give details.")
    person = entity_with(parsed, "Josep Borrell")
    assert person.type == "PERSON" and "Borrell" in person.aliases


def test_rules_three_part_name_kept_whole(parser_empty):
    from .test_entities import _art

    parsed = parser_empty.parse([_art("Similar objections should be made against China, political analyst "
                                      "Than Soe Naing said.")])[0]
    assert entity_with(parsed, "Than Soe Naing").type == "PERSON"
    assert not any(e.name == "Soe Naing" for e in parsed.entities)


def test_rules_same_canonical_name_is_one_entity(parse):
    parsed = parse("The Russian Defence Ministry said the jets landed. Russia's defence ministry later "
                   "released a video.")
    mods = [e for e in parsed.entities if "Ministry" in e.name]
    assert len(mods) == 1 and mods[0].name == "Russian Ministry of Defence"
    assert "Russia's defence ministry" in mods[0].aliases


SENTENCE_START_CASES = [  # sentence, expression, date (article date 2021-06-28)
    ("In February the junta sent a letter.", "In February", "2021-02-01"),
    ("Since March, talks have stalled.", "Since March", "2021-03-01"),
    ("Last June the army moved north.", "Last June", "2020-06-01"),
    ("In 2020 the parade was held.", "In 2020", "2020-01-01"),
]


@pytest.mark.parametrize("sentence, surface, date", SENTENCE_START_CASES)
def test_rules_timex_at_sentence_start(sentence, surface, date):
    got = {t.text: t.date for t in find_timexes(sentence, PublishedDate("2021-06-28", "day", "t"))}
    assert got.get(surface) == date, got


def test_rules_timex_month_names_stay_capitalised():
    got = find_timexes("Protesters may march in May.", PublishedDate("2021-06-28", "day", "t"))
    assert [(t.text, t.date) for t in got] == [("in May", "2021-05-01")]
