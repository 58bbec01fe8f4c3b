"""Scraped text: body span, headline, and one test per kind of clutter."""

from __future__ import annotations

import pytest

# (fixture, clutter line that must leave the body and be listed in `boilerplate`, kind of clutter)
CLUTTER = [
    ("scraped_printed.txt", "Skip to main content", "navigation"),
    ("scraped_printed.txt", "World", "section label"),
    ("scraped_printed.txt", "Published: 12 May 2023 10:30 GMT", "date line"),
    ("scraped_printed.txt", "By Jane Roe and Omar Haddad", "byline"),
    ("scraped_printed.txt", "Share this article", "share widget"),
    ("scraped_printed.txt", "Copy link", "share widget"),
    ("scraped_printed.txt", "3 min read", "reading time"),
    ("scraped_printed.txt", "Sign up for our daily briefing newsletter", "newsletter promo inside the body"),
    ("scraped_printed.txt", "port_strike_0512.jpg", "photo file name inside the body"),
    ("scraped_printed.txt", "Dockers gather outside the port gates during the strike on the first morning of the "
     "stoppage. Photo: Lee Kwan/Harbour Times", "photo caption and credit inside the body"),
    ("scraped_printed.txt", "Harbour Times is supported by its readers. Become a member today and help keep local "
     "journalism alive.", "membership call to action inside the body"),
    ("scraped_printed.txt", "Reporting by Jane Roe; Editing by Paul Grant", "credit line"),
    ("scraped_printed.txt", "Related stories", "related list heading"),
    ("scraped_printed.txt", "Union leaders meet ministers in bid to end dispute", "related headline"),
    ("scraped_printed.txt", "1,204 views", "view counter"),
    ("scraped_printed.txt", "We use cookies to improve your experience. Accept all cookies", "cookie note"),
    ("scraped_printed.txt", "© 2023 Harbour Times. All rights reserved.", "copyright line"),
    ("republished.txt", "August 14, 2024", "re-publication date line"),
    ("republished.txt", "Defence Digest Online", "site name line"),
    ("republished.txt", "(Reporting by Anand Kumar; Editing by Michael Perry)", "bracketed credit line"),
    ("dateline_weekday.txt", "Back to top button", "widget"),
    ("no_year.txt", "Home | News | Region", "breadcrumb"),
    ("no_year.txt", "Tweet", "share widget"),
    ("no_year.txt", "Volunteers load sacks of rice onto a boat in a flooded village. Photo: Staff photographer",
     "caption inside the body"),
    ("no_year.txt", "Read more:", "read-more block"),
    ("scraped_widgets.txt", "Home   News   Business   Sport   Opinion   Contact", "menu bar"),
    ("scraped_widgets.txt", "Listen to this article   A A A", "audio widget"),
    ("scraped_widgets.txt", "Font size: A- A+   Print   Email", "font-size widget"),
    ("scraped_widgets.txt", "Tribune Staff Reporter", "staff byline"),
    ("scraped_widgets.txt", "Posted October 9, 2024 at 7:02 am", "posted line"),
    ("scraped_widgets.txt", "This story was first published on October 3, 2024.", "first-published note"),
    ("scraped_widgets.txt", "Comments are closed.", "comments note"),
]


@pytest.mark.parametrize("fixture, line, kind", CLUTTER, ids=[f"{c[0]}:{c[2]}" for c in CLUTTER])
def test_textpath_drops_clutter(cleaned, fixture, line, kind):
    article = cleaned(fixture)
    assert line not in article.body, kind
    assert line in article.boilerplate, kind


# (fixture, body starts with, body ends with, title)
SPANS = [
    ("scraped_printed.txt", "Thousands of port workers walked off the job on Friday",
     "a union leader told a crowd outside the port gates.", "Port workers strike over pay as cargo piles up"),
    ("republished.txt", "NEW DELHI (Reuters) – India and France agreed on Monday",
     "built under licence in Mumbai.", "India and France agree to speed up jet engine project"),
    ("dateline_weekday.txt", "Manila, Mar 14 (EFE).- The Philippines will expand", "over the past month. EFE",
     "Philippines to expand coast guard patrols near disputed shoal"),
    ("no_year.txt", "Flood waters began to recede on Wednesday", "replace lost livestock.",
     "Flood waters recede but thousands remain in shelters"),
    ("scraped_widgets.txt", "KAMPALA, Oct 3 (Equator News Service) - A court fined",
     "before deciding whether to appeal.", "Dam operator fined over fish kill in reservoir"),
]


@pytest.mark.parametrize("fixture, start, end, title", SPANS)
def test_textpath_body_span_and_headline(cleaned, fixture, start, end, title):
    article = cleaned(fixture)
    assert article.body.startswith(start)
    assert article.body.endswith(end)
    assert article.title == title
    assert title not in article.boilerplate  # a headline is the title, not clutter


@pytest.mark.parametrize("fixture", [s[0] for s in SPANS])
def test_textpath_offsets_point_into_raw(cleaned, fixture):
    article = cleaned(fixture)
    pos = 0
    for para in article.body.split("\n\n"):
        start = article.body.index(para, pos)
        raw_start, raw_end = article.offsets.to_raw(start, start + len(para))
        assert article.raw[raw_start:raw_end] == para
        # Any span inside a line maps exactly too.
        s, e = article.offsets.to_raw(start + 2, start + len(para) - 1)
        assert article.raw[s:e] == para[2:-1]
        pos = start + len(para)


def test_textpath_standfirst_that_repeats_a_quote_is_not_body(cleaner, make_doc):
    raw = (
        "Court orders release of jailed reporters\n\n"
        "‘Journalism is not a crime and these reporters must go home today’, the judge said.\n\n"
        "A court in the capital on Thursday ordered the release of two reporters held for eight months "
        "on charges of spreading false news, their lawyers said.\n\n"
        "“Journalism is not a crime and these reporters must go home today to their families,” the judge "
        "told the packed courtroom, to applause from relatives and colleagues of the two men.\n\n"
        "Prosecutors said they would consider an appeal once they had read the written ruling.\n"
    )
    article = cleaner.clean(make_doc(raw, "standfirst.txt"))
    assert article.body.startswith("A court in the capital on Thursday")
    assert article.title == "Court orders release of jailed reporters"
    assert any(b.startswith("‘Journalism is not a crime") for b in article.boilerplate)


def test_textpath_dateline_alone_on_its_line_is_body(cleaner, make_doc):
    raw = (
        "Rebels seize border town after week of fighting\n\n"
        "YANGON (Reuters) -\n"
        "Ethnic rebels in Myanmar's north said on Sunday they had taken control of a town on the border "
        "after a week of heavy fighting with the army, which did not respond to requests for comment.\n\n"
        "Thousands of residents have fled across the border since the fighting began, aid groups said.\n"
    )
    article = cleaner.clean(make_doc(raw, "dateline.txt"))
    assert article.body.startswith("YANGON (Reuters) -")
    assert article.wire == "Reuters"


def test_textpath_no_article_text_is_an_input_error(cleaner, make_doc):
    from dossier.errors import InputError

    raw = "Home\nWorld\nBusiness\nShare this article\nSign in\n© 2024 Example News\n"
    with pytest.raises(InputError, match=r"^menu\.txt: no article text found"):
        cleaner.clean(make_doc(raw, "menu.txt"))


def test_textpath_hard_wrapped_paragraphs_are_joined(cleaner, make_doc):
    raw = (
        "Storm cuts power to coastal towns\n\n"
        "A storm with winds of up to 150 km an hour cut power to dozens of\n"
        "coastal towns on Saturday, the utility said, and officials warned\n"
        "that repairs could take several days in the worst-hit areas.\n\n"
        "Schools will stay closed on Monday and residents were told to avoid\n"
        "travel unless it was necessary, the regional government said.\n\n"
        "Share this article\n"
    )
    article = cleaner.clean(make_doc(raw, "wrapped.txt"))
    assert article.body.startswith("A storm with winds")
    assert article.body.endswith("the regional government said.")
    assert article.title == "Storm cuts power to coastal towns"
    first = article.body.split("\n\n")[0]
    s, e = article.offsets.to_raw(0, len(first))
    assert article.raw[s:e] == first and first.count("\n") == 2
