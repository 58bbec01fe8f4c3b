"""Escaping and marking untrusted text; charts carry a text alternative."""

from __future__ import annotations

import pytest

from dossier.serve.charts import lines, stacked_bars
from dossier.serve.highlight import Span, highlight_terms, mark_spans, snippet

CASES = [  # text, spans, expected HTML
    ("Russia delivered jets.", [Span(7, 16)], "Russia <mark>delivered</mark> jets."),
    ("<b>x</b> y", [Span(0, 8)], "<mark>&lt;b&gt;x&lt;/b&gt;</mark> y"),
    ("a <img src=x onerror=alert(1)> b", [Span(2, 30)], "a <mark>&lt;img src=x onerror=alert(1)&gt;</mark> b"),
    ("abcdef", [Span(1, 3), Span(2, 5)], "a<mark>bcde</mark>f"),  # overlapping spans merge
    ("abc", [Span(-4, 1), Span(2, 99)], "<mark>a</mark>b<mark>c</mark>"),  # clipped to the text
    ("abc", [Span(2, 2)], "abc"),  # empty span ignored
]


@pytest.mark.parametrize("text, spans, expected", CASES)
def test_highlight_escapes_then_marks(text: str, spans: list[Span], expected: str) -> None:
    assert str(mark_spans(text, spans)) == expected


def test_highlight_anchor_is_escaped() -> None:
    html = str(mark_spans("word", [Span(0, 4, 'x" onclick="y')]))
    assert html == '<mark id="x&#34; onclick=&#34;y">word</mark>'


def test_highlight_terms_match_stemmed_forms_and_phrases() -> None:
    html = str(
        highlight_terms("Deliveries were delivered; the air strikes went on.", ["delivery"], phrases=["air strikes"])
    )
    assert "<mark>Deliveries</mark>" in html and "<mark>delivered</mark>" in html
    assert "<mark>air strikes</mark>" in html


def test_highlight_snippet_windows_around_first_hit() -> None:
    text = "filler " * 100 + "the junta signed a deal " + "more " * 100
    html = str(snippet(text, ["junta"], width=120))
    assert html.startswith("… ") and html.endswith(" …") and "<mark>junta</mark>" in html


def test_charts_have_title_desc_and_table() -> None:
    chart = stacked_bars(
        "c1", "Events <per> month", ["2021-01", "2021-02"], [("AID", [1, 0]), ("AGREE", [2, 3])], y_label="events"
    )
    svg = str(chart.svg)
    assert 'role="img"' in svg and 'aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">Events &lt;per&gt; month</title>' in svg
    assert chart.rows == [["2021-01", "1", "2", "3"], ["2021-02", "0", "3", "3"]]
    assert "the most in 2021-01 (3)" in chart.summary or "the most in 2021-02 (3)" in chart.summary
    trend = lines("c2", "Score", ["2021-01", "2021-03"], [("RUS → MMR", [2.0, -1.5])], y_label="score", zero_line=True)
    assert "RUS → MMR: 2 (2021-01) to -1.50 (2021-03)" in trend.summary
    assert "<polyline" in str(trend.svg)


def test_charts_empty_data_says_so() -> None:
    chart = lines("c3", "Nothing", [], [], y_label="x")
    assert chart.summary == "No data." and 'role="img"' in str(chart.svg)
