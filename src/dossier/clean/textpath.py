"""Body and headline of scraped plain text (a page dumped to text with its clutter)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dossier.clean.lines import BODY_KINDS, Line, LineClassifier, best_run, words_of
from dossier.clean.patterns import norm

# A leading line is a standfirst or teaser when most of its words recur, in runs of this
# many consecutive words, in later body lines (a quoted sentence it paraphrases). Names such
# as "the Union Solidarity and Development Party" recur too, so a share of the line is needed.
STANDFIRST_SHARED_WORDS = 6
STANDFIRST_SHARED_SHARE = 0.5


@dataclass(slots=True)
class TextCut:
    """Result of cutting a list of classified lines into body, headline and clutter."""

    lines: list[Line]
    body: list[Line] = field(default_factory=list)
    title: Line | None = None
    first: int = 0  # index of the first body line in `lines`
    last: int = -1  # index of the last body line in `lines`

    @property
    def dropped(self) -> list[Line]:
        """Lines that are not body and not the headline (the document's boilerplate)."""
        keep = {id(line) for line in self.body}
        title = norm(self.title.text) if self.title else None
        return [ln for ln in self.lines if id(ln) not in keep and (title is None or norm(ln.text) != title)]


def _shingles(text: str, n: int) -> set[tuple[str, ...]]:
    words = [w.casefold() for w in words_of(text)]
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _repeated_share(text: str, later: list[str]) -> float:
    """Share of the words of `text` that sit in runs also found in the `later` lines."""
    n = STANDFIRST_SHARED_WORDS
    words = [w.casefold() for w in words_of(text)]
    if len(words) < n:
        return 0.0
    seen = set().union(*(_shingles(t, n) for t in later)) if later else set()
    covered = [False] * len(words)
    for i in range(len(words) - n + 1):
        if tuple(words[i : i + n]) in seen:
            covered[i : i + n] = [True] * n
    return sum(covered) / len(words)


def _is_headline(line: Line, classifier: LineClassifier) -> bool:
    text = line.text
    if line.kind != "heading" or not 3 <= line.words <= 30:
        return False
    if text.endswith((".", ":", ",", ";")) and not text.endswith("..."):
        return False
    return not classifier.is_section_label(text)


def cut_lines(lines: list[Line], classifier: LineClassifier) -> TextCut:
    """Find the body span, the headline and the clutter among classified lines."""
    cut = TextCut(lines=lines)
    span = best_run(lines)
    if span is None:
        return cut
    lo, hi = span
    prose = [i for i in range(lo, hi + 1) if lines[i].kind == "prose"]
    if not prose:
        return cut
    first, last = prose[0], prose[-1]
    # 1. A dateline on its own line belongs to the first paragraph.
    if first > 0 and lines[first - 1].kind == "dateline":
        first -= 1
    # 2. A standfirst repeats words of the story: skip leading lines that do.
    for _ in range(2):
        line = lines[first]
        if line.kind != "prose" or first >= last:
            break
        if _repeated_share(line.text, [lines[j].text for j in range(first + 1, last + 1)]) < STANDFIRST_SHARED_SHARE:
            break
        line.kind, line.reason = "standfirst", "repeats the story"
        first = next(j for j in range(first + 1, last + 1) if lines[j].kind in ("prose", "dateline"))
    # 3. The headline is the nearest headline-like line above the body.
    for j in range(first - 1, -1, -1):
        if _is_headline(lines[j], classifier):
            cut.title = lines[j]
            break
    title_key = norm(cut.title.text) if cut.title else None
    for line in lines:
        key = norm(line.text)
        if title_key and line.kind == "heading" and key != title_key and key.endswith(title_key):
            line.kind, line.reason = "clutter", "breadcrumb"
    cut.first, cut.last = first, last
    for line in lines[first : last + 1]:
        if line.kind not in BODY_KINDS:
            continue
        key = norm(line.text)
        if line.kind == "heading" and (
            key == title_key or line.reason == "repeated" or classifier.is_section_label(line.text)
        ):
            continue
        cut.body.append(line)
    return cut


_SPACES = re.compile(r"\s+")


def body_text(lines: list[Line]) -> tuple[str, tuple[tuple[int, int, int], ...]]:
    """Join body lines with blank lines between; return the body and its offset segments."""
    parts: list[str] = []
    segments: list[tuple[int, int, int]] = []
    pos = 0
    for line in lines:
        if parts:
            parts.append("\n\n")
            pos += 2
        segments.append((pos, line.start, len(line.text)))
        parts.append(line.text)
        pos += len(line.text)
    return "".join(parts), tuple(segments)
