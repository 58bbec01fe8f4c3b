"""`norm()` of SCORING.md: the one string normalisation every comparison in the scorer uses."""

from __future__ import annotations

import unicodedata

# Curly quotes, primes and the dash family map to their ASCII forms before punctuation is
# blanked, so "Russia’s" and "Russia's" give the same words.
_ASCII = str.maketrans(
    {
        "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'",
        "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"',
        "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
    }
)


def norm(text: str | None) -> str:
    """Return `text` normalised as SCORING.md says; `None` gives "".

    NFKC, casefold, curly quotes and dashes to ASCII, every character that is not a letter
    or digit to a space, whitespace collapsed, one leading "the " dropped.
    """
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_ASCII)
    spaced = "".join(ch if ch.isalnum() else " " for ch in folded)
    collapsed = " ".join(spaced.split())
    if collapsed.startswith("the "):
        collapsed = collapsed[4:]
    return collapsed


def words(text: str | None) -> frozenset[str]:
    """Return the set of words of `norm(text)`."""
    return frozenset(norm(text).split())


def jaccard(a: str | None, b: str | None) -> float:
    """Return the Jaccard similarity of the word sets of `a` and `b` (0.0 when both are empty)."""
    wa, wb = words(a), words(b)
    union = wa | wb
    return len(wa & wb) / len(union) if union else 0.0
