"""Every matching rule of SCORING.md on hand-made prediction/gold pairs."""

from __future__ import annotations

import pytest

from dossier.evaluate.normalize import jaccard, norm
from dossier.evaluate.scoring import (
    DateValue,
    Tally,
    date_right,
    dates_compatible,
    greedy_match,
    infer_precision,
    quote_overlap,
    score_article,
    score_set,
    types_agree,
)


def gold(**fields):
    base = {"article": "a.txt", "title": None, "outlet": None, "published": {"date": None, "precision": "unknown"},
            "body_starts_with": None, "body_ends_with": None, "boilerplate": [],
            "entities": [], "events": [], "figures": [], "quotes": []}
    base.update(fields)
    return base


def pred(**fields):
    base = {"article": "a.txt", "body": "", "entities": [], "events": [], "figures": [], "quotes": []}
    base.update(fields)
    return base


def ent(name, type_="PERSON", aliases=(), country=None):
    return {"name": name, "type": type_, "country": country, "aliases": list(aliases), "roles": []}


def event(type_="CONSULT", actors=(), targets=(), date=None, precision="unknown", **kw):
    return {"type": type_, "mode": kw.get("mode"), "actors": list(actors), "targets": list(targets), "date": date,
            "precision": precision, "place": kw.get("place"), "negated": kw.get("negated", False),
            "source": kw.get("source"), "evidence": kw.get("evidence", "")}


# ---------------------------------------------------------------- norm

@pytest.mark.parametrize("raw, expected", [
    ("The Kremlin", "kremlin"),
    ("the  Junta’s   “chief”", "junta s chief"),
    ("Myanmar’s military", "myanmar s military"),
    ("Myanmar's military", "myanmar s military"),
    ("Sr. Gen. Min Aung Hlaing", "sr gen min aung hlaing"),
    ("ＲＩＡ Novosti", "ria novosti"),  # NFKC folds full-width letters
    ("STRASSE", "strasse"),
    ("Straße", "strasse"),  # casefold, not lower
    ("deputy—minister – said", "deputy minister said"),
    ("theatre of war", "theatre of war"),  # only the word "the" is dropped
    ("The the army", "the army"),  # dropped once
    ("the", "the"),
    ("", ""),
    (None, ""),
    ("Naypyitaw\n\t(capital)", "naypyitaw capital"),
])
def test_normalize_norm(raw, expected):
    assert norm(raw) == expected


def test_normalize_jaccard_on_word_sets():
    assert jaccard("a b c d", "a b c e") == pytest.approx(3 / 5)
    assert jaccard("", "") == 0.0


# ---------------------------------------------------------------- greedy one-to-one

def test_scoring_greedy_is_one_to_one_in_gold_order():
    golds = [{"k": 1}, {"k": 1}, {"k": 2}]
    preds = [{"k": 1}, {"k": 2}]
    pairs = greedy_match(golds, preds, lambda p, g: p["k"] == g["k"])
    # the first gold takes the only k=1 prediction; the second gold goes unmatched
    assert pairs == [(0, 0), (2, 1)]


def test_scoring_greedy_takes_first_free_prediction_even_if_a_later_gold_needed_it():
    golds = [{"k": {1, 2}}, {"k": {1}}]
    preds = [{"k": 1}, {"k": 2}]
    pairs = greedy_match(golds, preds, lambda p, g: p["k"] in g["k"])
    assert pairs == [(0, 0)]  # greedy, not optimal: gold 1 finds prediction 0 taken


def test_scoring_duplicate_predictions_count_as_spurious():
    g = gold(entities=[ent("Min Aung Hlaing")])
    p = pred(entities=[ent("Min Aung Hlaing"), ent("Min Aung Hlaing")])
    res = score_article(g, p).areas["entities"]
    assert (res.tally.tp, res.tally.predicted, res.tally.gold) == (1, 2, 1)
    assert len(res.spurious) == 1


# ---------------------------------------------------------------- entities

def test_scoring_entity_matches_through_any_alias_pair():
    g = gold(entities=[ent("Myanmar military", "ORG", ["the junta", "the Tatmadaw"])])
    p = pred(entities=[ent("Junta", "ORG", ["Tatmadaw"])])  # "the junta" and "Junta" have one norm
    assert score_article(g, p).areas["entities"].tally.tp == 1


def test_scoring_entity_types_must_agree():
    g = gold(entities=[ent("Rosoboronexport", "ORG")])
    p = pred(entities=[ent("Rosoboronexport", "PERSON")])
    assert score_article(g, p).areas["entities"].tally.tp == 0


@pytest.mark.parametrize("p_type, g_type, ok", [
    ("GPE", "LOC", True), ("LOC", "GPE", True), ("gpe", "GPE", True), ("ORG", "GPE", False), ("EVENT", "LOC", False),
])
def test_scoring_gpe_and_loc_are_interchangeable(p_type, g_type, ok):
    assert types_agree(p_type, g_type) is ok
    g = gold(entities=[ent("Naypyitaw", g_type)])
    p = pred(entities=[ent("Naypyitaw", p_type)])
    assert score_article(g, p).areas["entities"].tally.tp == int(ok)


def test_scoring_entity_country_share_over_matched_pairs():
    g = gold(entities=[ent("Russia", "GPE", country="RUS"), ent("Myanmar", "GPE", country="MMR"),
                       ent("United Nations", "ORG", country=None)])
    p = pred(entities=[ent("Russia", "GPE", country="RUS"), ent("Myanmar", "GPE", country="RUS"),
                       ent("United Nations", "ORG", country=None)])
    share = score_article(g, p).shares["entity_country"]
    assert (share.right, share.total) == (2, 3)


# ---------------------------------------------------------------- name resolution

def test_scoring_participant_resolves_by_gold_alias():
    g = gold(entities=[ent("Min Aung Hlaing", aliases=["junta chief"])],
             events=[event("CONSULT", ["Min Aung Hlaing"], ["Russia"])])
    p = pred(events=[event("CONSULT", ["the junta chief"], [])])
    assert score_article(g, p).areas["events"].tally.tp == 1


def test_scoring_participant_resolves_through_matched_predicted_entity():
    # "Senior General" is no gold alias, but the predicted entity bearing it matched gold Min Aung Hlaing
    g = gold(entities=[ent("Min Aung Hlaing", aliases=["Min Aung Hlaing"])],
             events=[event("CONSULT", ["Min Aung Hlaing"], ["Russia"])])
    p = pred(entities=[ent("Senior General", aliases=["Min Aung Hlaing"])],
             events=[event("CONSULT", ["Senior General"], [])])
    assert score_article(g, p).areas["events"].tally.tp == 1


def test_scoring_participant_does_not_resolve_through_unmatched_predicted_entity():
    g = gold(entities=[ent("Min Aung Hlaing")], events=[event("CONSULT", ["Min Aung Hlaing"], [])])
    # the predicted entity has the right alias but the wrong type, so it matched no gold entity
    p = pred(entities=[ent("Senior General", "ORG", ["Min Aung Hlaing"])],
             events=[event("CONSULT", ["Senior General"], [])])
    assert score_article(g, p).areas["events"].tally.tp == 0


def test_scoring_free_text_participant_matches_by_norm():
    g = gold(events=[event("ASSAULT", ["activist groups"], [])])
    p = pred(events=[event("ASSAULT", ["Activist groups"], [])])
    assert score_article(g, p).areas["events"].tally.tp == 1


def test_scoring_event_needs_a_shared_participant():
    g = gold(entities=[ent("Russia", "GPE"), ent("Myanmar", "GPE")], events=[event("AID", ["Russia"], ["Myanmar"])])
    p = pred(events=[event("AID", ["China"], ["Thailand"])])
    assert score_article(g, p).areas["events"].tally.tp == 0


def test_scoring_event_without_gold_participants_drops_the_condition():
    g = gold(events=[event("MOBILIZE", [], [])])
    p = pred(events=[event("MOBILIZE", ["Anyone"], [])])
    assert score_article(g, p).areas["events"].tally.tp == 1


def test_scoring_event_types_must_be_equal():
    g = gold(events=[event("AGREE", ["Russia"])])
    p = pred(events=[event("CONSULT", ["Russia"])])
    assert score_article(g, p).areas["events"].tally.tp == 0


# ---------------------------------------------------------------- dates

def dv(date, precision):
    return DateValue.of(date, precision)


@pytest.mark.parametrize("p, g, compatible", [
    (("2021-03-26", "day"), ("2021-03-26", "day"), True),
    (("2021-03-27", "day"), ("2021-03-26", "day"), True),  # one-day slack
    (("2021-03-25", "day"), ("2021-03-26", "day"), True),
    (("2021-03-28", "day"), ("2021-03-26", "day"), False),
    (("2021-03-01", "month"), ("2021-03-26", "day"), True),  # coarser precision: month
    (("2021-03-31", "day"), ("2021-03-01", "month"), True),
    (("2021-04-01", "day"), ("2021-03-01", "month"), False),  # no slack at month precision
    (("2021-01-01", "year"), ("2021-06-28", "day"), True),
    (("2020-12-31", "day"), ("2021-01-01", "year"), False),
    (("2021-02-28", "day"), ("2021-03-01", "day"), True),  # slack crosses a month
    ((None, "unknown"), ("2021-03-26", "day"), True),  # missing predicted date is compatible
    (("2021-03-26", "unknown"), ("2021-03-26", "day"), True),
    (("1999-01-01", "day"), (None, "unknown"), True),  # gold undated: no date condition
])
def test_scoring_dates_compatible(p, g, compatible):
    assert dates_compatible(dv(*p), dv(*g)) is compatible


@pytest.mark.parametrize("p, g, right", [
    (("2021-03-26", "day"), ("2021-03-26", "day"), True),
    (("2021-03-27", "day"), ("2021-03-26", "day"), False),  # compatible, but not the right date
    (("2021-03-26", "day"), ("2021-03-01", "month"), True),  # equal at gold precision
    (("2024-08-05", "day"), ("2024-01-01", "year"), True),
    (("2023-12-31", "day"), ("2024-01-01", "year"), False),
    ((None, "unknown"), ("2021-03-26", "day"), False),  # missing predicted date is a date error
    ((None, "unknown"), (None, "unknown"), True),
    (("2021-06-21", "day"), (None, "unknown"), False),  # a date where the text gives none
])
def test_scoring_date_right_at_gold_precision(p, g, right):
    assert date_right(dv(*p), dv(*g)) is right


def test_scoring_missing_event_date_matches_but_counts_as_date_error():
    g = gold(events=[event("CONSULT", ["Fomin"], [], "2021-03-26", "day")])
    p = pred(events=[event("CONSULT", ["Fomin"], [], None, "unknown")])
    score = score_article(g, p)
    assert score.areas["events"].tally.tp == 1
    assert score.areas["strict_events"].tally.tp == 0
    assert (score.shares["event_date"].right, score.shares["event_date"].total) == (0, 1)


def test_scoring_strict_events_rematch_with_the_right_date():
    g = gold(events=[event("CONSULT", ["Fomin"], [], "2021-03-26", "day")])
    # the first prediction is compatible (one day off), the second has the right date
    p = pred(events=[event("CONSULT", ["Fomin"], [], "2021-03-27", "day"),
                     event("CONSULT", ["Fomin"], [], "2021-03-26", "day")])
    score = score_article(g, p)
    assert score.areas["events"].tally.tp == 1
    assert score.areas["strict_events"].tally.tp == 1
    assert score.shares["event_date"].right == 0  # the greedy pair is the one-day-off prediction


def test_scoring_incompatible_dates_do_not_match():
    g = gold(events=[event("CONSULT", ["Fomin"], [], "2021-03-26", "day")])
    p = pred(events=[event("CONSULT", ["Fomin"], [], "2020-06-24", "day")])
    assert score_article(g, p).areas["events"].tally.tp == 0


def test_scoring_event_pair_shares_mode_place_negation():
    g = gold(entities=[ent("Naypyitaw", "GPE", ["the capital Naypyitaw"])],
             events=[event("CONSULT", ["Fomin"], [], mode="visit", place="Naypyitaw", negated=False),
                     event("AID", ["Russia"], [], mode="military", place=None, negated=True)])
    p = pred(events=[event("CONSULT", ["Fomin"], [], mode="visit", place="the capital Naypyitaw"),
                     event("AID", ["Russia"], [], mode=None, place="Yangon", negated=False)])
    s = score_article(g, p).shares
    assert (s["event_mode"].right, s["event_place"].right, s["event_negation"].right) == (1, 1, 1)
    assert s["event_mode"].total == s["event_place"].total == s["event_negation"].total == 2


# ---------------------------------------------------------------- figures

def fig(value, category, as_of=None, source=None):
    return {"value": value, "qualifier": None, "unit": None, "category": category, "subject": None,
            "source": source, "as_of": as_of, "evidence": ""}


def test_scoring_figures_match_on_value_and_category():
    g = gold(figures=[fig(5280, "killed"), fig(26865, "arrested"), fig(1, "votes_against")])
    p = pred(figures=[fig(5280.0, "killed"), fig(26865, "detained"), fig(1, "votes_against")])
    t = score_article(g, p).areas["figures"].tally
    assert (t.tp, t.predicted, t.gold) == (2, 3, 3)


@pytest.mark.parametrize("pred_as_of, gold_as_of, right", [
    ("2024-06-01", "2024-06-01", True),
    ("2024-06-15", "2024-06-01", True),  # "YYYY-MM-01" is a month in gold
    ("2024-07-01", "2024-06-01", False),
    ("2019-05-03", "2019-01-01", True),  # "YYYY-01-01" is a year
    ("2021-03-26", "2021-03-26", True),
    ("2021-03-25", "2021-03-26", False),  # no slack for as_of
    (None, None, True),
    ("2021-06-21", None, False),
])
def test_scoring_figure_as_of_at_gold_precision(pred_as_of, gold_as_of, right):
    g = gold(figures=[fig(870, "killed", gold_as_of)])
    p = pred(figures=[fig(870, "killed", pred_as_of)])
    share = score_article(g, p).shares["figure_as_of"]
    assert (share.right, share.total) == (int(right), 1)


def test_scoring_figure_as_of_precision_inference():
    assert [infer_precision(d) for d in ("2024-01-01", "2024-06-01", "2024-06-28")] == ["year", "month", "day"]


@pytest.mark.parametrize("pred_source, gold_source, right", [
    ("the UN", "United Nations", True),  # SCORING.md's containment is on strings: "un" is in "united nations"
    ("state media", "United Nations", False),
    ("Assistance Association for Political Prisoners", "Assistance Association for Political Prisoners (AAPP)", True),
    ("activist groups", "Activist groups", True),
    (None, None, True),
    (None, "United Nations", False),
])
def test_scoring_figure_source_by_containment(pred_source, gold_source, right):
    g = gold(figures=[fig(320, "killed", source=gold_source)])
    p = pred(figures=[fig(320, "killed", source=pred_source)])
    assert score_article(g, p).shares["figure_source"].right == int(right)


# ---------------------------------------------------------------- quotes

def quote(speaker, text, stance="neutral"):
    return {"speaker": speaker, "target": None, "stance": stance, "evidence": text}


@pytest.mark.parametrize("p_text, g_text, overlap", [
    ("examine the truth", "examine the truth", True),
    ("Russia is complicit", "Russia is complicit in the military's campaign of terror", True),  # containment
    ("Russia is complicit in the military’s campaign of terror against the people, he said",
     "Russia is complicit in the military's campaign of terror against the people", True),
    ("prevent the flow of arms into the country", "prevent the flow of arms", True),
    ("stop the flow of weapons now", "prevent the flow of arms", False),  # Jaccard 2/8
    ("one two three four", "one two three five six", False),  # Jaccard 3/6 = 0.5 -> but see below
])
def test_scoring_quote_overlap(p_text, g_text, overlap):
    if p_text == "one two three four":
        # 3 shared of 6 words: exactly 0.5 overlaps
        assert jaccard(p_text, g_text) == pytest.approx(0.5)
        assert quote_overlap(p_text, g_text)
        assert not quote_overlap("one two three four", "one two five six seven")  # 2/7
        return
    assert quote_overlap(p_text, g_text) is overlap


def test_scoring_quote_empty_evidence_never_overlaps():
    assert not quote_overlap("", "anything at all")
    assert not quote_overlap("!!!", "anything")


def test_scoring_quote_speaker_resolves_through_aliases_and_stance_counts():
    g = gold(entities=[ent("Yadanar Maung", aliases=["Justice For Myanmar spokesperson"])],
             quotes=[quote("Yadanar Maung", "Russia is complicit in the campaign of terror", "condemn"),
                     quote("Khin Yi", "examine the truth", "request")])
    p = pred(quotes=[quote("Justice For Myanmar spokesperson", "Russia is complicit in the campaign", "condemn"),
                     quote("khin yi", "examine the truth", "neutral"),
                     quote("Somebody Else", "examine the truth", "request")])
    score = score_article(g, p)
    assert score.areas["quotes"].tally.tp == 2
    assert (score.shares["quote_stance"].right, score.shares["quote_stance"].total) == (1, 2)
    assert [q["speaker"] for q in score.areas["quotes"].spurious] == ["Somebody Else"]


# ---------------------------------------------------------------- body and metadata

def test_scoring_body_start_and_end_by_norm():
    g = gold(body_starts_with="MOSCOW (Reuters) – Russia’s deputy", body_ends_with="said in a statement.")
    p = pred(body="Moscow (Reuters) - Russia's deputy defence minister ... the ministry said in a statement")
    s = score_article(g, p).shares
    assert (s["body_start"].right, s["body_end"].right) == (1, 1)
    p2 = pred(body="Share this article\nMoscow (Reuters) - Russia's deputy ... said in a statement. Related")
    s2 = score_article(g, p2).shares
    assert (s2["body_start"].right, s2["body_end"].right) == (0, 0)


def test_scoring_boilerplate_leak_needs_eight_characters():
    g = gold(boilerplate=["Business", "War", "Share this article", "Top article"])
    p = pred(body="War news. Top Article: share this article in business circles")
    score = score_article(g, p)
    # "War" (3 chars) is not checked; "Business" (8) is, and occurs in the body
    assert score.shares["boilerplate_kept"].total == 3
    assert sorted(score.leaked) == ["Business", "Share this article", "Top article"]


@pytest.mark.parametrize("p_title, g_title, right", [
    ("Myanmar Junta requests military assistance from Russia",
     "Myanmar junta requests military assistance from Russia", True),
    ("Russia and Myanmar's junta leader agree to bolster ties",
     "Russia and Myanmar’s junta leader agree to bolster ties", True),
    ("Myanmar Junta requests military assistance", "Myanmar Junta requests military assistance from Russia", False),
    (None, None, True),
])
def test_scoring_title_by_norm_equality(p_title, g_title, right):
    assert score_article(gold(title=g_title), pred(title=p_title)).shares["title"].right == int(right)


@pytest.mark.parametrize("p_outlet, g_outlet, right", [
    ("Al Arabiya English", "Al Arabiya English (AFP)", True),
    ("The Odessa Journal", "Odessa Journal", True),
    ("Reuters", "Automotive to Us (Reuters)", True),
    ("Radio Free Asia", "RFA", False),
    (None, "Radio Free Asia", False),
])
def test_scoring_outlet_by_containment(p_outlet, g_outlet, right):
    assert score_article(gold(outlet=g_outlet), pred(outlet=p_outlet)).shares["outlet"].right == int(right)


@pytest.mark.parametrize("p_pub, g_pub, counted, right", [
    (("2021-03-26", "day"), ("2021-03-26", "day"), 1, 1),
    (("2021-03-27", "day"), ("2021-03-26", "day"), 1, 0),  # no slack for the published date
    (("2023-06-16", "day"), ("2023-06-01", "month"), 1, 1),
    (("2024-05-20", "day"), ("2024-01-01", "year"), 1, 1),
    ((None, "unknown"), ("2021-06-28", "day"), 1, 0),
    (("2021-06-21", "day"), (None, "unknown"), 0, 0),  # unknown gold is not counted
])
def test_scoring_published_at_gold_precision(p_pub, g_pub, counted, right):
    g = gold(published={"date": g_pub[0], "precision": g_pub[1]})
    p = pred(published={"date": p_pub[0], "precision": p_pub[1]})
    share = score_article(g, p).shares["published"]
    assert (share.total, share.right) == (counted, right)


# ---------------------------------------------------------------- the set

def test_scoring_set_pairs_by_article_and_scores_missing_as_empty():
    golds = [gold(article="a.txt", entities=[ent("Russia", "GPE")]),
             gold(article="b.txt", entities=[ent("Myanmar", "GPE")])]
    preds = [pred(article="a.txt", entities=[ent("Russia", "GPE"), ent("Moscow", "GPE")]),
             pred(article="c.txt", entities=[ent("Myanmar", "GPE")])]
    report = score_set(golds, preds)
    assert report.missing == ["b.txt"]
    assert report.unscored == ["c.txt"]
    t = report.tally("entities")
    assert (t.tp, t.predicted, t.gold) == (1, 2, 2)
    m = report.metrics()
    assert m["entities.precision"] == pytest.approx(0.5)
    assert m["entities.recall"] == pytest.approx(0.5)
    assert m["event_date"] is None


def test_scoring_tally_edge_cases():
    assert Tally(0, 0, 0).f1 == 1.0
    assert Tally(0, 3, 0).precision == 0.0
    assert Tally(0, 0, 4).recall == 0.0
    assert Tally(2, 4, 2).f1 == pytest.approx(2 * 0.5 * 1.0 / 1.5)
