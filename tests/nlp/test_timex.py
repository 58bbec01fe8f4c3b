"""Time expressions resolved against the article date, one case per rule, on real sentences."""

from __future__ import annotations

import pytest

from dossier.clean.records import PublishedDate
from dossier.nlp.timex import find_timexes

FRI = PublishedDate("2021-03-26", "day", "test")  # a Friday
MON = PublishedDate("2021-06-28", "day", "test")  # a Monday

CASES = [  # sentence, article date, expression, resolved date, precision, rule
    ("who seized power in a Feb. 1, 2021 coup", FRI, "Feb. 1, 2021", "2021-02-01", "day", "absolute"),
    ("the June 10 statement of the council", PublishedDate("2023-06-16", "day", "t"), "June 10", "2023-06-10", "day",
     "month-day-anchor-year"),
    ("signed an agreement In June 2024 with United Russia", FRI, "June 2024", "2024-06-01", "month", "absolute-month"),
    ("according to a 2020 study by the institute", FRI, "2020", "2020-01-01", "year", "absolute-year"),
    ("met in the capital Naypyitaw on Friday with the junta leader", FRI, "on Friday", "2021-03-26", "day",
     "weekday-before-anchor"),
    ("state-run media reported Monday", MON, "Monday", "2021-06-28", "day", "weekday-before-anchor"),
    ("the minister said on Tuesday that talks went well", MON, "on Tuesday", "2021-06-22", "day",
     "weekday-before-anchor"),
    ("the delegation will visit Moscow on Thursday", MON, "on Thursday", "2021-07-01", "day", "weekday-after-anchor"),
    ("the two leaders met last week in Vladivostok", MON, "last week", "2021-06-01", "month", "last-week"),
    ("took part in our parade last year", FRI, "last year", "2020-01-01", "year", "last-year"),
    ("the general travelled to Moscow in June", MON, "in June", "2021-06-01", "month", "month-before-anchor"),
    ("Putin's reply to the letter sent in February", MON, "in February", "2021-02-01", "month", "month-before-anchor"),
    ("sanctions imposed earlier this year", MON, "earlier this year", "2021-01-01", "year", "this-year"),
    ("elections are planned for next month", MON, "next month", "2021-07-01", "month", "next-month"),
    ("the deal signed in July last year", MON, "July last year", "2020-07-01", "month", "month-relative-year"),
]


@pytest.mark.parametrize("sentence, published, surface, date, precision, rule", CASES)
def test_timex_rules(sentence, published, surface, date, precision, rule):
    found = {t.text.removeprefix("In ").removeprefix("in ") if t.rule == "absolute-month" else t.text: t
             for t in find_timexes(sentence, published)}
    got = found.get(surface) or next((t for t in found.values() if surface in t.text), None)
    assert got is not None, f"{surface!r} not found in {list(found)}"
    assert (got.date, got.precision, got.rule) == (date, precision, rule)
    assert sentence[got.start:got.end] == got.text


@pytest.mark.parametrize("sentence", [
    "the junta leader met Patrushev on Monday",
    "the UN General Assembly voted on Friday, kicking off talks in April",
    "the visit took place last week",
])
def test_timex_unknown_article_date_never_guesses(sentence):
    for t in find_timexes(sentence, PublishedDate(None, "unknown", "no date")):
        assert t.date is None and t.precision == "unknown"


def test_timex_year_precision_article_keeps_weekday_unknown():
    got = find_timexes("Khin Yi said on Monday that the party agreed In June 2024",
                       PublishedDate("2024-01-01", "year", "t"))
    by_text = {t.text: t for t in got}
    assert by_text["on Monday"].date is None
    assert any(t.date == "2024-06-01" for t in got)


def test_timex_parse_fills_parsed_article(parse):
    parsed = parse("Russia's deputy defence minister met the junta leader on Friday.", "2021-03-26")
    assert [(t.text, t.date) for t in parsed.timexes] == [("on Friday", "2021-03-26")]


def test_timex_sentence_final_month_drops_the_full_stop():
    got = find_timexes("Soldiers killed civilians in March. The army denied it.", MON)
    assert [(t.text, t.date) for t in got] == [("in March", "2021-03-01")]
