"""A small number grammar for news text: digits, number words, scale words, currencies.

`NumberGrammar.scan(text)` finds every number written in `text` and returns its value with
scale words applied ("1.2 million" -> 1200000, "$12.5m" -> 12500000, "Rs 250 crore" ->
2500000000 INR, "Rs 2.6 lakh crore" -> 2.6e12 INR, "two-thousand" -> 2000, "twenty-four" -> 24,
"six and a half" -> 6.5), its currency, whether it is a
percentage, and the character span of the whole expression. Deciding whether a number is a
*figure* (and not a date, an age or an ordinal) is the job of `figures.py`.

The word lists (currency marks, scale words) come from `figure_units.jsonl` so users can extend
them; the grammar itself (how digits, words and scales combine) is here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Number words and their values; "a" only counts before a scale word ("a million").
_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
_WORD_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
                "trillion": 1_000_000_000_000, "dozen": 12}


@dataclass(frozen=True, slots=True)
class Units:
    """Currency marks and scale words, read from the figure units data file."""

    # surface (casefolded) -> ISO 4217 code, for marks written before the number ("$", "Rs")
    currency_prefixes: dict[str, str]
    # surface (casefolded) -> code, for words written after the number ("roubles", "euros")
    currency_suffixes: dict[str, str]
    # surface (casefolded) -> multiplier, for scale words after a number ("crore", "bn", "m")
    scales: dict[str, float]
    # scale abbreviations that must be glued to the digits ("12.5m", "3bn")
    glued_only: frozenset[str]


@dataclass(frozen=True, slots=True)
class NumberMatch:
    """One number as written, with its value and character span in the scanned text."""

    start: int
    end: int
    value: float
    surface: str
    currency: str | None
    percent: bool
    scaled: bool  # a scale word or abbreviation was applied
    words: bool  # written (at least partly) in words
    plain_digits: bool  # digits only, no comma, no decimal point, no scale ("2021")
    vague: bool  # a bare plural scale ("thousands of"): no exact value
    multiplier: float = 1.0  # the scale word's value when one was applied after the digits


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


class NumberGrammar:
    """Compiled patterns for one set of units."""

    def __init__(self, units: Units) -> None:
        self.units = units
        word_alt = _alternation([*_UNITS, *_TENS, *_WORD_SCALES])
        word_num = rf"(?:half\s+(?:a\s+|an\s+)?|a\s+)?(?:{word_alt})(?:(?:\s*-\s*|\s+(?:and\s+)?)(?:{word_alt}))*"
        digits = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
        prefix_alt = _alternation(list(units.currency_prefixes))
        spaced_alt = _alternation([w for w in units.scales if w not in units.glued_only])
        glued_alt = _alternation(list(units.glued_only))
        suffix_alt = _alternation(list(units.currency_suffixes))
        self.pattern = re.compile(
            rf"""
            (?<![\w.,$€£¥₹])(?<![A-Za-z]-)
            (?:(?P<prefix>{prefix_alt})\s?)?
            (?P<num>{digits}|\b{word_num}\b)
            (?P<half>\s+and\s+a\s+half\b)?
            (?:\s?-?\s?(?P<scale>(?:{spaced_alt})(?:\s+(?:{spaced_alt}))*)(?!\w)|(?P<gscale>{glued_alt})(?!\w))?
            (?P<pct>\s?%|\s+per\s?cent\b|\s+percent\b|\s+pct\b)?
            (?:\s(?P<suffix>{suffix_alt})\b)?
            """,
            re.IGNORECASE | re.VERBOSE,
        )
        self.vague_pattern = re.compile(
            r"\b(?:tens\s+of\s+|hundreds\s+of\s+)?(?:dozens|hundreds|thousands|millions|billions)\b",
            re.IGNORECASE,
        )

    def scan(self, text: str) -> list[NumberMatch]:
        """Return every number expression in `text`, left to right."""
        out: list[NumberMatch] = []
        for m in self.pattern.finditer(text):
            match = self._convert(m, text)
            if match is not None:
                out.append(match)
        for m in self.vague_pattern.finditer(text):
            out.append(NumberMatch(m.start(), m.end(), 0.0, m.group(0), None, False, True, True, False, True))
        out.sort(key=lambda n: n.start)
        return out

    def _convert(self, m: re.Match[str], text: str) -> NumberMatch | None:
        raw_num = m.group("num")
        is_words = not any(ch.isdigit() for ch in raw_num)
        if is_words:
            value = parse_number_words(raw_num)
            if value is None:
                return None
        else:
            value = float(raw_num.replace(",", ""))
        if m.group("half") is not None:
            value += 0.5  # "six and a half years", "two and a half million"
        scale = m.group("scale") or m.group("gscale")
        scaled = is_words and _has_scale_word(raw_num)
        multiplier = 1.0
        if scale is not None:
            # stacked Indian scales multiply: "2.6 lakh crore" is 2.6 x 10^5 x 10^7
            for word in scale.split():
                multiplier *= self.units.scales[word.casefold()]
            value *= multiplier
            scaled = True
        currency = None
        if m.group("prefix") is not None:
            currency = self.units.currency_prefixes[m.group("prefix").casefold()]
        if m.group("suffix") is not None and currency is None:
            currency = self.units.currency_suffixes[m.group("suffix").casefold()]
        percent = m.group("pct") is not None
        start, end = m.start(), m.end()
        surface = text[start:end]
        return NumberMatch(
            start, end, value, surface, currency, percent, scaled, is_words,
            raw_num.isdigit() and not scaled and currency is None and not percent and m.group("half") is None,
            False, multiplier,
        )

def _has_scale_word(raw: str) -> bool:
    return any(w in _WORD_SCALES for w in re.split(r"[\s-]+", raw.casefold()))


def parse_number_words(text: str) -> float | None:
    """Return the value of a number written in words ("two-thousand" -> 2000), else None.

    Handles "a hundred", "one hundred and fifty", "twenty-four", "1.2 million" is not words.
    Returns None for a sequence that is not one number ("one two").
    """
    parts = [p for p in re.split(r"[\s-]+", text.casefold()) if p and p != "and"]
    factor = 1.0
    if parts and parts[0] == "half":
        # "half a million": a half of the scale that follows
        factor, parts = 0.5, parts[1:]
        if parts and parts[0] in {"a", "an"}:
            parts[0] = "a"
        if not parts or parts[-1] not in _WORD_SCALES:
            return None
    if not parts:
        return None
    if parts[0] == "a":
        if len(parts) == 1 or parts[1] not in _WORD_SCALES:
            return None
        parts[0] = "one"
    total = 0
    current = 0
    last_small: str | None = None  # "unit"/"ten" to reject "one two" and "five twenty"
    for part in parts:
        if part in _UNITS:
            if last_small == "unit" or (last_small == "ten" and _UNITS[part] >= 10):
                return None
            current += _UNITS[part]
            last_small = "unit"
        elif part in _TENS:
            if last_small is not None:
                return None
            current += _TENS[part]
            last_small = "ten"
        elif part in _WORD_SCALES:
            mult = _WORD_SCALES[part]
            current = max(current, 1) * mult
            if mult >= 1000:
                total += current
                current = 0
            last_small = None
        else:
            return None
    return float(total + current) * factor
