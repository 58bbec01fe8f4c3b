"""HTML pages: trafilatura plus Dossier's corrections, page metadata, offsets, bad pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from dossier.errors import InputError, SkippedInput

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "clean"

# (page, sentence that must survive, clutter that must go)
CASES = [
    ("wire_story.html", "BANGKOK (Reuters) - Thailand's navy on Wednesday took delivery", "Advertisement"),
    ("wire_story.html", "rival claims in the South China Sea.", "REUTERS/Chalinee Thirasupa"),
    ("wire_story.html", "Somprasong told reporters after the ceremony.", "Sign up for our Asia morning briefing"),
    ("wire_story.html", "The first frigate of the class entered service in 2019", "Reporting by Panu Wongcha"),
    ("wire_story.html", "approved the purchase in 2017", "Money better spent on schools"),
    ("wire_story.html", "The 3,700-tonne vessel", "Malaysia delays littoral combat ship"),
    ("wire_story.html", "Analysts said the delivery", "We use cookies"),
    ("undated_page.html", "Fishermen on the lower reaches of the river", "Teachers strike over unpaid wages"),
    ("undated_page.html", "pay compensation to families", "Follow us on Facebook"),
]


@pytest.mark.parametrize("page, kept, dropped", CASES)
def test_htmlpath_keeps_body_drops_clutter(cleaned, page, kept, dropped):
    article = cleaned(page)
    assert kept in article.body
    assert dropped not in article.body


def test_htmlpath_page_metadata(cleaned):
    article = cleaned("wire_story.html")
    assert article.title == "Thai navy takes delivery of second frigate from Korean yard"
    assert article.site_name == "The Gulf Courier"
    assert article.wire == "Reuters"
    assert article.outlet == "The Gulf Courier (Reuters)"
    assert article.url == "https://www.gulfcourier.example/asia/2022/09/14/thai-navy-frigate-delivery"
    assert article.authors == ("Panu Wongcha",)
    assert article.credits == ("(Reporting by Panu Wongcha; Editing by Martin Petty and Ed Davies)",)
    assert article.language == "en"
    assert (article.published.date, article.published.precision) == ("2022-09-14", "day")
    assert article.body.startswith("BANGKOK (Reuters) -")  # the dateline stays glued to the lead
    assert article.title not in article.boilerplate


def test_htmlpath_offsets_map_exact_runs_into_the_html(cleaned):
    article = cleaned("wire_story.html")
    assert article.offsets.segments
    for b, r, n in article.offsets.segments:
        assert article.body[b : b + n] == article.raw[r : r + n]
    # A paragraph written without entities maps as one span onto the page's <p>.
    para = "Analysts said the delivery showed how Southeast Asian states"
    start = article.body.index(para)
    s, e = article.offsets.to_raw(start, start + len(para))
    assert article.raw[s:e] == para


def test_htmlpath_restores_a_lead_paragraph_left_out(cleaner, make_doc):
    from trafilatura.utils import load_html

    from dossier.clean.htmlpath import _missing_lead
    from dossier.clean.lines import Line

    html = (FIXTURES / "undated_page.html").read_text(encoding="utf-8")
    tree = load_html(html)
    texts = [
        "\"Before, we could fill two baskets before noon. Now we are lucky to fill one by evening,\" said a fisherman "
        "who has worked the same stretch of river for three decades and asked not to be named."
    ]
    lead = _missing_lead(tree, texts, cleaner.classifier)
    assert lead is not None and lead.startswith("Fishermen on the lower reaches")
    assert isinstance(Line(start=-1, text=lead), Line)


def test_htmlpath_page_without_article_is_an_input_error(cleaner, make_doc):
    raw = (FIXTURES / "index_page.html").read_text(encoding="utf-8")
    with pytest.raises(InputError, match=r"^index_page\.html: no article text found"):
        cleaner.clean(make_doc(raw, "index_page.html", media_type="html"))


def test_htmlpath_empty_html_is_an_input_error(cleaner, make_doc):
    with pytest.raises(InputError, match=r"^blank\.html: HTML with no article text"):
        cleaner.clean(make_doc("<html><body><div></div></body></html>", "blank.html", media_type="html"))


def test_htmlpath_non_english_page_is_skipped_with_its_language(cleaner, make_doc):
    raw = (FIXTURES / "french_page.html").read_text(encoding="utf-8")
    with pytest.raises(SkippedInput) as err:
        cleaner.clean(make_doc(raw, "x.html", media_type="html"))
    assert str(err.value) == "x.html: language is 'fr', not English; skipped"
