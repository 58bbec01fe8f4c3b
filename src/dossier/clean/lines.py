"""Line classifier for scraped text and extracted paragraphs.

Each non-blank line gets a kind from its own features (length, closing punctuation,
stop-word ratio, capitalisation, link-like and call-to-action patterns from the data files)
and then from its neighbours (a line after an image file name is a caption, a line that
repeats the headline is clutter). The text path cuts the body as the best-scoring run of
lines; the HTML path uses the same kinds to drop clutter that trafilatura kept.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from dossier.clean.patterns import CleanData, norm

# Kinds: prose and heading lines can be body; the rest are clutter of one sort.
BODY_KINDS = frozenset({"prose", "heading", "dateline"})

_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")
_TERMINAL = re.compile(r"""[.!?…]["'”’»)\]]*$|[.!?]["'”’»)\]]*\s*\[[A-Z0-9]+\]$""")
_LINKLIKE = re.compile(r"https?://|www\.|\.(com|org|net)\b|@\w+|#\w+")
# Menus and widget bars: three or more short items set apart by wide spaces or bars.
_ITEM_SEP = re.compile(r"\s{2,}|\s[|·•/>]\s|\t")
_IMAGE_FILE = re.compile(r"^\S+\.(jpe?g|png|gif|webp|avif|bmp|tiff?)$", re.IGNORECASE)
_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_WEEKDAYS = r"(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs?)?|Fri|Sat(?:ur)?|Sun)(?:day)?\.?"
# A line that is only a date (with an optional "Published"/"Updated" label and a time).
DATE_ONLY = re.compile(
    rf"^(?:(?:published|updated|last updated|posted|first published|date)\s*(?:on|:)?\s*)?"
    rf"(?:{_WEEKDAYS},?\s*)?"
    rf"(?:{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS},?\s+\d{{4}}|"
    rf"\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}})"
    rf"(?:[,\s|·-]+(?:at\s+)?\d{{1,2}}[:.]\d{{2}}(?:\s*[ap]\.?m\.?)?(?:\s*[A-Z]{{2,5}}|\s*GMT[+-]?\d*)?)?\s*\.?$",
    re.IGNORECASE,
)
# A dateline alone on its line: "YANGON (Reuters) -", "KYIV:", "Bangkok, Jun 28 (EFE).-".
DATELINE = re.compile(
    rf"^(?:[A-Z][A-Z'.-]+(?:[ -][A-Z][A-Z'.-]+){{0,3}}(?:,\s*[A-Z][\w .'-]{{1,30}})?"
    rf"|[A-Z][\w'.-]+(?: [A-Z][\w'.-]+){{0,2}},\s*{_MONTHS}\s*\d{{1,2}}(?:,\s*\d{{4}})?"
    rf"|{_MONTHS}\s*\d{{1,2}}(?:,\s*\d{{4}})?)"
    r"\s*(?:\([A-Za-z/ -]{2,40}\))?\s*\.?\s*(?:[-–—:]|\.-)\s*"
)


@dataclass(slots=True)
class Line:
    """One non-blank line: its raw offset (of the stripped text), text and kind."""

    start: int
    text: str
    kind: str = "prose"
    reason: str = ""
    words: int = 0

    @property
    def end(self) -> int:
        """Raw offset just after the line's text."""
        return self.start + len(self.text)


# A physical line that ends mid-sentence and is followed, with no blank line between, by one
# starting in lower case is a hard-wrapped paragraph: the two are one line.
_OPEN_END = re.compile(r"""[^.!?:"'”’)\]]$""")
_CONTINUES = re.compile(r"^[a-z]")
_WRAP_MIN_CHARS = 40  # wrapped lines are long; a short open line ("Copy link") is a widget


def split_lines(raw: str) -> list[Line]:
    """Return the non-blank lines of `raw`, stripped, with their raw offsets.

    Hard-wrapped paragraphs are joined: the line's text is then the raw span, newlines
    included, so `raw[line.start:line.end] == line.text` always holds.
    """
    lines: list[Line] = []
    pos = 0
    previous_blank = True
    for piece in raw.splitlines(keepends=True):
        stripped = piece.strip()
        if stripped:
            lead = len(piece) - len(piece.lstrip())
            start = pos + lead
            last = lines[-1] if lines else None
            if (
                last is not None
                and not previous_blank
                and len(last.text) >= _WRAP_MIN_CHARS
                and _OPEN_END.search(last.text)
                and _CONTINUES.match(stripped)
            ):
                last.text = raw[last.start : start + len(stripped)]
            else:
                lines.append(Line(start=start, text=stripped))
        previous_blank = not stripped
        pos += len(piece)
    return lines


def words_of(text: str) -> list[str]:
    """Return the words of a line (letters and digits, inner apostrophes and dots kept)."""
    return _WORD.findall(text)


class LineClassifier:
    """Classifies lines with the patterns and word lists of the data files."""

    def __init__(self, data: CleanData, *, max_drop_words: int, max_caption_words: int) -> None:
        self.data = data
        self.max_drop_words = max_drop_words
        self.max_caption_words = max_caption_words
        wire_names = sorted({a for w in data.wires() for a in w.aliases}, key=len, reverse=True)
        # A wire sign-off after the last sentence ("... the polls. EFE") still closes a paragraph.
        self._signoff = re.compile(
            r"""[.!?]["'”’)]*\s*[-–—(]*\s*(?:""" + "|".join(re.escape(w) for w in wire_names) + r")\)?\s*$"
        )
        self._signatures = frozenset(s for o in data.outlets for s in o.signatures)
        # One alternation per kind screens a line; the single pattern is looked up only on a hit.
        self._any = {
            kind: re.compile("|".join(f"(?:{p.pattern})" for p in pats), re.IGNORECASE) if pats else None
            for kind, pats in data.patterns.items()
        }

    def is_prose(self, text: str, words: list[str]) -> bool:
        """Return True for a line that reads as running text (a paragraph or a sentence)."""
        n = len(words)
        if n < 5:
            return False
        stop = sum(w.casefold() in self.data.stopwords for w in words) / n
        terminal = bool(_TERMINAL.search(text) or self._signoff.search(text))
        if terminal:
            return stop >= 0.12 or n >= 15
        # An unterminated long line is running text cut off (or a paragraph without a stop).
        return n >= 25 and stop >= 0.25

    def classify(self, line: Line, *, learnt: frozenset[str] = frozenset()) -> None:
        """Set `line.kind` and `line.reason` from the line alone."""
        text = line.text
        words = words_of(text)
        line.words = n = len(words)
        key = norm(text) if n <= 40 else ""
        pats = self.data.patterns

        def hit(kind: str) -> str | None:
            screen = self._any[kind]
            if screen is None or not screen.search(text):
                return None
            for pat in pats[kind]:
                if pat.search(text):
                    return pat.pattern
            return None

        if not words:
            line.kind, line.reason = "clutter", "no words"
        elif key in self._signatures or (key in learnt and n <= 40):
            line.kind, line.reason = "clutter", "site boilerplate"
        elif _IMAGE_FILE.match(text):
            line.kind, line.reason = "image", "image file name"
        elif n <= 8 and (r := hit("end")):
            line.kind, line.reason = "end", r
        elif n <= self.max_caption_words and (r := hit("credit")):
            line.kind, line.reason = "credit", r
        elif n <= self.max_caption_words and (r := hit("caption")):
            line.kind, line.reason = "caption", r
        elif n <= self.max_drop_words and (r := hit("drop")):
            line.kind, line.reason = "clutter", r
        elif DATE_ONLY.match(text) or (n <= 20 and hit("published")):
            line.kind, line.reason = "date", "date line"
        elif n <= 15 and (r := hit("byline")):
            line.kind, line.reason = "byline", r
        elif n <= 8 and DATELINE.match(text) and DATELINE.match(text).end() >= len(text) - 1:  # type: ignore[union-attr]
            line.kind, line.reason = "dateline", "dateline alone"
        elif n <= 30 and len(items := _ITEM_SEP.split(text)) >= 3 and all(len(i.split()) <= 3 for i in items):
            line.kind, line.reason = "clutter", "menu"
        elif _LINKLIKE.search(text) and n <= 12:
            line.kind, line.reason = "clutter", "link"
        elif text.endswith(("...", "…")) and n <= 25:
            line.kind, line.reason = "clutter", "teaser"
        elif self.is_prose(text, words):
            line.kind, line.reason = "prose", ""
        elif n <= 3 and all(w.isdigit() for w in words):
            line.kind, line.reason = "clutter", "counter"
        else:
            line.kind, line.reason = "heading", ""

    def classify_all(self, lines: list[Line], *, learnt: frozenset[str] = frozenset()) -> None:
        """Classify every line, then apply the rules that look at neighbours."""
        for line in lines:
            self.classify(line, learnt=learnt)
        counts = Counter(norm(line.text) for line in lines if line.kind == "heading")
        for i, line in enumerate(lines):
            # 1. A caption follows the photo's file name.
            if i and lines[i - 1].kind == "image" and line.kind in ("prose", "heading") and line.words <= 80:
                line.kind, line.reason = "caption", "after image file name"
            # 2. A short non-prose line repeated in the page is a headline copy or a widget.
            if line.kind == "heading" and counts[norm(line.text)] > 1:
                line.reason = "repeated"

    def is_section_label(self, text: str) -> bool:
        """Return True for a kicker or section label such as "World" or "Conflicts & War"."""
        words = [w.casefold() for w in words_of(text)]
        content = [w for w in words if w not in ("and", "of", "the", "news")]
        return bool(words) and all(w in self.data.section_words for w in content)


def score(line: Line) -> float:
    """Weight of a line in the body search: prose adds its length, clutter subtracts."""
    if line.kind == "prose":
        return float(min(line.words, 60))
    if line.kind == "heading":
        return -4.0 if line.reason == "repeated" else -2.0
    if line.kind == "end":
        return -40.0
    if line.kind == "dateline":
        return 0.0
    return -8.0


def best_run(lines: list[Line]) -> tuple[int, int] | None:
    """Return `(first, last)` indices of the highest-scoring run of lines (Kadane), or None."""
    best, best_span = 0.0, None
    total, start = 0.0, 0
    for i, line in enumerate(lines):
        if total <= 0:
            total, start = 0.0, i
        total += score(line)
        if total > best:
            best, best_span = total, (start, i)
    return best_span
