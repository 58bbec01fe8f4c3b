"""Learnt per-site boilerplate: `site_lines` gives the lines, the cleaner drops frequent ones."""

from __future__ import annotations

from dossier.clean import load_cleaner, site_lines
from dossier.clean.patterns import norm

SLOGAN = "The waterfront's own newspaper since the days of sail, read in every harbour town on the coast."


def _story(make_doc, n: int):
    raw = (
        f"Harbour Times\n\nFerry fares rise for the {n}th time\n\n"
        "The ferry company raised fares on Monday for the second time this year, blaming the price of fuel "
        "and the cost of repairs to its oldest boats.\n\n"
        f"{SLOGAN}\n\n"
        "Passengers said the rise would hurt workers who cross the bay every day, and called on the city to "
        "step in with a subsidy for regular travellers.\n"
    )
    return make_doc(raw, f"story{n}.txt")


def test_site_lines_key_and_lines(cleaner, make_doc):
    article = cleaner.clean(_story(make_doc, 1))
    key, lines = site_lines(article)
    assert key == "harbour times"
    assert norm(SLOGAN) in lines
    assert norm("Harbour Times") in lines


def test_site_lines_learnt_lines_are_dropped_for_that_site_only(settings, cleaner, make_doc):
    plain = cleaner.clean(_story(make_doc, 2))
    assert SLOGAN in plain.body  # a prose-like line: nothing but learning can tell it is clutter
    learnt = load_cleaner(settings, site_lines={"harbour times": frozenset({norm(SLOGAN)})})
    article = learnt.clean(_story(make_doc, 3))
    assert SLOGAN not in article.body
    assert SLOGAN in article.boilerplate
    other = load_cleaner(settings, site_lines={"another site": frozenset({norm(SLOGAN)})})
    assert SLOGAN in other.clean(_story(make_doc, 4)).body


def test_site_lines_apply_to_html_by_canonical_domain(settings, make_doc):
    from pathlib import Path

    html = (Path(__file__).resolve().parents[1] / "fixtures" / "clean" / "wire_story.html").read_text(encoding="utf-8")
    line = "Analysts said the delivery showed how Southeast Asian states were spending more on naval forces as " \
           "tension rises over rival claims in the South China Sea."
    learnt = load_cleaner(settings, site_lines={"gulfcourier.example": frozenset({norm(line)})})
    article = learnt.clean(make_doc(html, "wire_story.html", media_type="html"))
    assert site_lines(article)[0] == "gulfcourier.example"
    assert line not in article.body and line in article.boilerplate
