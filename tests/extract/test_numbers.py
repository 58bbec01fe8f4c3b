"""The number grammar: digits, words, scale words, currencies, percentages, crore/lakh."""

from __future__ import annotations

import pytest

from dossier.extract.figure_lexicon import load_figure_lexicon
from dossier.extract.numbers import NumberGrammar, parse_number_words


@pytest.fixture(scope="module")
def grammar(settings):  # type: ignore[no-untyped-def]
    return NumberGrammar(load_figure_lexicon(settings).units)


SCAN_CASES = [  # text, surface found, value, currency, percent
    ("Protesters said 1.2 million people joined the strike.", "1.2 million", 1_200_000, None, False),
    ("The ministry froze $12.5m of the group's assets.", "$12.5m", 12_500_000, "USD", False),
    ("Washington pledged $20 million in humanitarian aid.", "$20 million", 20_000_000, "USD", False),
    ("The state approved Rs 250 crore for the port.", "Rs 250 crore", 2_500_000_000, "INR", False),
    ("Farmers received ₹5 lakh each in compensation.", "₹5 lakh", 500_000, "INR", False),
    ("Brussels set aside €1.5bn for reconstruction.", "€1.5bn", 1_500_000_000, "EUR", False),
    ("The ministry spent 3.2 billion roubles on drones.", "3.2 billion roubles", 3_200_000_000, "RUB", False),
    ("London will send £300,000 to the appeal.", "£300,000", 300_000, "GBP", False),
    ("Some one thousand soldiers crossed the river.", "one thousand", 1_000, None, False),
    ("Kyiv asked for two-thousand shells a day.", "two-thousand", 2_000, None, False),
    ("Twenty-four ministers resigned.", "Twenty-four", 24, None, False),
    ("A hundred and fifty villagers fled.", "A hundred and fifty", 150, None, False),
    ("Nearly half a million children were vaccinated.", "half a million", 500_000, None, False),
    ("Turkey bought 16% of the region's arms.", "16%", 16, None, True),
    ("Inflation hit 12.5 per cent in May.", "12.5 per cent", 12.5, None, True),
    ("Exports fell 8 percent last year.", "8 percent", 8, None, True),
    ("They seized a dozen trucks.", "a dozen", 12, None, False),
]


@pytest.mark.parametrize("text, surface, value, currency, percent", SCAN_CASES)
def test_numbers_scan_reads_value_scale_and_currency(grammar, text, surface, value, currency, percent):  # type: ignore[no-untyped-def]
    found = [m for m in grammar.scan(text) if not m.vague]
    assert found, text
    m = found[0]
    assert m.surface == surface
    assert text[m.start:m.end] == surface
    assert m.value == pytest.approx(value)
    assert m.currency == currency
    assert m.percent is percent


@pytest.mark.parametrize("text", [
    "Cases of COVID-19 rose.", "The Su-30 jets landed.", "Hospital code ENG_06152023 was filed.",
])
def test_numbers_scan_skips_numbers_glued_to_names(grammar, text):  # type: ignore[no-untyped-def]
    assert [m for m in grammar.scan(text) if not m.vague] == []


def test_numbers_scan_marks_vague_plurals(grammar):  # type: ignore[no-untyped-def]
    found = grammar.scan("Tens of thousands of people marched and hundreds were detained.")
    assert [m.vague for m in found] == [True, True]


@pytest.mark.parametrize("words, value", [
    ("seventy-five", 75), ("three hundred thousand", 300_000), ("two dozen", 24), ("one two", None),
    ("half a million", 500_000), ("five twenty", None),
])
def test_numbers_parse_number_words(words, value):  # type: ignore[no-untyped-def]
    assert parse_number_words(words) == value


def test_numbers_glued_scale_needs_no_space(grammar):  # type: ignore[no-untyped-def]
    # "12.5 m" is metres, not millions: only the glued form is a scale
    (m,) = [m for m in grammar.scan("The wall is 12.5 m high.") if not m.vague]
    assert m.value == 12.5


@pytest.mark.parametrize("text, surface, value", [
    ("The ministry allocated Rs 1.8 lakh crore for highways.", "Rs 1.8 lakh crore", 1.8e12),
    ("The activist was jailed for three and a half years.", "three and a half", 3.5),
    ("Some 2 and a half million people voted early.", "2 and a half million", 2_500_000),
])
def test_numbers_stacked_scales_and_halves(grammar, text, surface, value):  # type: ignore[no-untyped-def]
    (m,) = [m for m in grammar.scan(text) if not m.vague]
    assert (m.surface, m.value) == (surface, pytest.approx(value))
