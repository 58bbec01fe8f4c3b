"""Publication dates: one test per rule, on fixtures and on hand-made evidence."""

from __future__ import annotations

from datetime import date

import pytest

from dossier.clean.dates import DateEvidence, DateFinder, find_mentions
from dossier.clean.patterns import Observance

TODAY = date(2026, 1, 1)


@pytest.fixture(scope="module")
def finder():
    return DateFinder([Observance("Armed Forces Day", "Myanmar", 3, 27)], republication_years=2)


# (fixture, date, precision, words the basis must contain)
FIXTURE_RULES = [
    ("scraped_printed.txt", "2023-05-12", "day", "'Published' line"),  # printed "Published" line
    ("republished.txt", "2021-01-25", "day", "re-publication"),  # page date set aside
    ("dateline_weekday.txt", "2017-03-14", "day", "Tuesday in 2017"),  # dateline month-day + weekday
    ("no_year.txt", None, "unknown", "no year"),  # nothing to go on
    ("undated_page.html", None, "unknown", "no year"),  # HTML page with no date at all
    ("wire_story.html", "2022-09-14", "day", "htmldate"),  # page metadata
    ("scraped_widgets.txt", "2024-10-03", "day", "first-published note"),  # wins over "Posted October 9"
]


@pytest.mark.parametrize("fixture, when, precision, basis", FIXTURE_RULES)
def test_dates_rules_on_fixtures(cleaned, fixture, when, precision, basis):
    published = cleaned(fixture).published
    assert (published.date, published.precision) == (when, precision)
    assert basis in published.basis


def test_dates_mentions_read_every_written_form():
    text = ("On Feb. 1, 2021, the army seized power. In June 2024 a deal was signed; the 12 May 2023 report "
            "and the June 10 statement followed, with 5,280 killed and 2000 troops sent in 2019.")
    found = [(m.year, m.month, m.day) for m in find_mentions(text)]
    assert found == [(2021, 2, 1), (2024, 6, None), (2023, 5, 12), (None, 6, 10), (2019, None, None)]


def test_dates_numeric_dates_follow_the_order_asked():
    assert (find_mentions("on 12-5-2022")[0].month, find_mentions("on 12-5-2022", day_first=False)[0].month) == (5, 12)
    assert find_mentions("on 25/12/2022", day_first=False)[0].month == 12  # 25 cannot be a month


def test_dates_future_dates_are_not_past_facts(finder):
    body = "The summit will be held in March 2027. Officials cited a 2024 plan on Monday."
    got = finder.find(DateEvidence(body=body, today=TODAY))
    assert (got.date, got.precision) == ("2024-01-01", "year")


def test_dates_latest_fact_gives_year_precision(finder):
    body = "In June 2024, the party signed an agreement. The coup came on February 1 after the 2020 elections."
    got = finder.find(DateEvidence(body=body, today=TODAY))
    assert (got.date, got.precision) == ("2024-01-01", "year")
    assert "'June 2024'" in got.basis


def test_dates_republication_with_a_named_day_and_weekday(finder):
    body = ("MOSCOW (Reuters) – Russia wants closer ties, state media reported on Friday, during a visit a day "
            "ahead of Myanmar's Armed Forces Day. A 2020 study was cited.")
    got = finder.find(DateEvidence(body=body, printed=[("date printed in the page", date(2024, 5, 20), "May 20, 2024")],
                                   today=TODAY))
    assert (got.date, got.precision) == ("2021-03-26", "day")
    assert got.basis.startswith("the page date 'May 20, 2024' is a re-publication")


def test_dates_printed_date_stands_when_the_story_cannot_be_pinned(finder):
    # Old facts and "last year", but nothing that fixes the story's own day: keep the page date.
    body = "The first ship entered service in 2019 and took part in exercises last year, the navy said on Wednesday."
    got = finder.find(DateEvidence(body=body, printed=[("page date", date(2022, 9, 14), "2022-09-14")], today=TODAY))
    assert (got.date, got.precision) == ("2022-09-14", "day")


def test_dates_dateline_with_year(finder):
    got = finder.find(DateEvidence(body="YANGON, March 26, 2021 (Reuters) - Troops fired on crowds.", today=TODAY))
    assert (got.date, got.precision) == ("2021-03-26", "day")


def test_dates_dateline_without_weekday_takes_the_next_such_day(finder):
    body = "Bangkok, Jun 28 (EFE).- The general returned home after a visit that began on June 20, 2021."
    got = finder.find(DateEvidence(body=body, today=TODAY))
    assert (got.date, got.precision) == ("2021-06-28", "day")


def test_dates_dateline_without_any_year_is_unknown(finder):
    body = "Bangkok, Jun 28 (EFE).- The general returned home, state media reported Monday."
    got = finder.find(DateEvidence(body=body, today=TODAY))
    assert (got.date, got.precision) == (None, "unknown")


def test_dates_image_file_name_gives_the_month(finder):
    body = "The council's June 10 statement condemned the deliveries made since the 2021 coup."
    got = finder.find(DateEvidence(body=body, other_text=["NEWS_Arms_06152023.jpg"], today=TODAY))
    assert (got.date, got.precision) == ("2023-06-01", "month")
    assert "'June 10' agrees" in got.basis


def test_dates_first_published_note_wins(finder):
    note = "This story was first published on March 3, 2019."
    printed = [("page date", date(2024, 1, 5), "2024-01-05")]
    evidence = DateEvidence(body="The talks ended on Monday.", first_published=note, printed=printed, today=TODAY)
    got = finder.find(evidence)
    assert (got.date, got.precision) == ("2019-03-03", "day")


def test_dates_a_printed_date_in_the_future_is_ignored(finder):
    got = finder.find(DateEvidence(body="The vote took place in 2023.", printed=[("page", date(2031, 1, 1), "2031")],
                                   today=TODAY))
    assert (got.date, got.precision) == ("2023-01-01", "year")


_STORY = (
    "Council approves new bus lanes for the city centre\n\n{top}\n\n"
    "The city council on Tuesday approved new bus lanes on four main roads, saying they would cut journey "
    "times for tens of thousands of passengers who travel into the centre every day.\n\n"
    "Shop owners said the lanes would take away parking spaces that their customers depend on.\n"
)


def test_dates_byline_date(cleaner, make_doc):
    article = cleaner.clean(make_doc(_STORY.format(top="By Jane Roe | May 3, 2023"), "byline.txt"))
    assert (article.published.date, article.published.precision) == ("2023-05-03", "day")
    assert article.published.basis.startswith("byline date")
    assert article.authors == ("Jane Roe",)


def test_dates_container_date_hint(cleaner, make_doc):
    from dataclasses import replace

    doc = replace(make_doc(_STORY.format(top="Share this article"), "hint.txt"), hints={"date": "2022-11-08"})
    article = cleaner.clean(doc)
    want = ("2022-11-08", "date given with the document '2022-11-08'")
    assert (article.published.date, article.published.basis) == want


def test_dates_stale_page_date_before_the_story_is_set_aside(finder):
    body = "The committee met on April 7, 2020 and approved the plan, members said."
    got = finder.find(DateEvidence(body=body, printed=[("page date (htmldate)", date(2005, 7, 26), "2005-07-26")],
                                   today=TODAY))
    assert (got.date, got.precision) == ("2020-04-07", "day")
    assert "stale page date" in got.basis
