"""Main text and page metadata of an HTML page: trafilatura, then Dossier's corrections.

trafilatura finds the main text and the page metadata (htmldate gives the page date).
Dossier then restores a lead paragraph trafilatura left out, drops captions, credit lines,
promos and learnt site lines it kept, glues a dateline alone on its line to the paragraph
after it, and aligns each paragraph with the raw HTML for evidence offsets.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

import trafilatura
from htmldate import find_date
from trafilatura.utils import load_html

from dossier.clean.lines import Line, LineClassifier, words_of

log = logging.getLogger(__name__)

# Characters that an HTML page often writes as entities or tags, breaking exact runs.
_BREAKS = re.compile(r"[&<>\"'\u00a0\u2018\u2019\u201c\u201d\u2013\u2014\u2026]|\s{2,}")
_MIN_CHUNK = 4  # shorter pieces match anywhere; not worth a segment
# A fast-mode extraction shorter than this is redone with trafilatura's fallbacks.
FAST_RETRY_CHARS = 250

# htmldate as its evaluation runs it: the original (not the updated) date, extensive search.
_DATE_PARAMS: dict[str, Any] = {"extensive_search": True, "original_date": True}


@dataclass(slots=True)
class HtmlCut:
    """What the HTML path found: kept and dropped paragraphs and the page metadata."""

    lines: list[Line]  # every extracted paragraph, classified; `start` is -1 (not aligned)
    body: list[Line] = field(default_factory=list)
    title: str | None = None
    site_name: str | None = None
    url: str | None = None
    authors: tuple[str, ...] = ()
    page_date: str | None = None
    description: str | None = None
    html_lang: str | None = None
    image_names: tuple[str, ...] = ()
    bylines: tuple[str, ...] = ()  # text of the page's byline elements


_META_KEYS = {
    "og:title": "title", "twitter:title": "title", "og:site_name": "site", "application-name": "site",
    "og:url": "url", "og:image": "image", "author": "author", "article:author": "author", "byl": "author",
    "sailthru.author": "author", "dc.creator": "author",
}


def _page_meta(tree: Any) -> dict[str, list[str]]:
    """Read the page's meta tags and canonical link in one pass over the tree."""
    found: dict[str, list[str]] = {}
    for el in tree.iter("meta", "link"):
        if el.tag == "link":
            if (el.get("rel") or "").lower() == "canonical" and el.get("href"):
                found.setdefault("canonical", []).append(el.get("href").strip())
            continue
        key = _META_KEYS.get((el.get("property") or el.get("name") or "").lower())
        content = " ".join((el.get("content") or "").split())
        if key and content:
            found.setdefault(key, []).append(content)
    return found


def _page_title(tree: Any, meta: dict[str, list[str]], site_name: str | None) -> str | None:
    title = meta.get("title", [None])[0]
    if title is None:
        heads = tree.xpath("//head/title/text()")
        title = " ".join(str(heads[0]).split()) if heads else None
        # "Headline | Site" and "Headline - Site": keep the headline.
        if title and len(parts := re.split(r"\s+[|–—-]\s+", title)) > 1:
            keep = [p for p in parts if not site_name or p.casefold() != site_name.casefold()]
            title = " - ".join(keep) if site_name else max(parts, key=len)
    if title is None:
        h1 = tree.xpath("//h1")
        title = " ".join(h1[0].text_content().split()) or None if h1 else None
    if title and site_name and title.casefold().endswith(f" | {site_name.casefold()}"):
        title = title[: -len(site_name) - 3]
    return title


def extract_page(
    raw: str, url: str | None, classifier: LineClassifier, learnt: frozenset[str], *, fast: bool = True
) -> HtmlCut | None:
    """Return the main text and metadata of the page (no lines when it has no main text).

    None when the input cannot be parsed as HTML at all.

    Metadata is read in one pass over the meta tags rather than trafilatura's
    `with_metadata`, which costs about a third of an extraction; the page date comes from
    htmldate. `fast` runs trafilatura without its fallback extractors first (`clean.trafilatura_fast`).
    """
    tree = load_html(raw)
    if tree is None:
        return None
    meta = _page_meta(tree)
    site_name = meta.get("site", [None])[0]
    authors = [a for a in meta.get("author", []) if "//" not in a]
    # Byline elements only when the meta tags name no person (the search walks the whole page);
    # a one-word author ("Reuters") is an organisation.
    bylines = [] if any(len(a.split()) >= 2 for a in authors) else [
        " ".join(el.text_content().split())
        for el in tree.xpath("//*[@rel='author' or contains(@class, 'byline') or contains(@class, 'author-name')]")[:3]
    ]
    images = tuple(src.rsplit("/", 1)[-1].split("?", 1)[0] for src in meta.get("image", [])[:1])
    # htmldate reads the HTML source as well as the tree when given the string (more dates found).
    page_date = find_date(raw, url=url, **_DATE_PARAMS)
    doc = trafilatura.bare_extraction(tree, url=url, include_comments=False, fast=fast)
    if fast and (doc is None or len(getattr(doc, "text", None) or "") < FAST_RETRY_CHARS):
        # 2. The fast mode skips trafilatura's fallback extractors; a thin result gets them.
        doc = trafilatura.bare_extraction(tree, url=url, include_comments=False)
    text = str(getattr(doc, "text", None) or "") if doc is not None else ""
    texts = [t.strip() for t in text.split("\n") if t.strip()]
    lines = [Line(start=-1, text=t) for t in texts]
    classifier.classify_all(lines, learnt=learnt)
    cut = HtmlCut(
        lines=lines,
        title=_page_title(tree, meta, site_name),
        site_name=site_name,
        url=next(iter(meta.get("canonical") or meta.get("url") or []), url),
        authors=tuple(dict.fromkeys(re.sub(r"^by\s+", "", a.strip(), flags=re.IGNORECASE) for a in authors)),
        bylines=tuple(b for b in bylines if b),
        page_date=page_date,
        html_lang=tree.get("lang") or None,
        image_names=images,
    )
    lead = _missing_lead(tree, texts, classifier)
    if lead:
        line = Line(start=-1, text=lead)
        classifier.classify(line)
        lines.insert(0, line)
    cut.body = _keep(lines, cut.title)
    return cut


_SHAPE_REASONS = frozenset({"menu", "link", "counter", "teaser", "no words"})


def relearn(cut: HtmlCut, classifier: LineClassifier, learnt: frozenset[str]) -> None:
    """Classify the page's lines again with a site's learnt boilerplate and keep the body anew."""
    classifier.classify_all(cut.lines, learnt=learnt)
    cut.body = _keep(cut.lines, cut.title)


def _keep(lines: list[Line], title: str | None) -> list[Line]:
    """Return the body paragraphs among the extracted ones."""
    prose_words = [ln.words if ln.kind == "prose" else 0 for ln in lines]
    total = sum(prose_words) or 1
    stop = len(lines)
    seen = 0
    for i, line in enumerate(lines):
        # Lines after an end marker ("Related articles") are a list, unless much of the story follows.
        if line.kind == "end" and sum(prose_words[i:]) < 0.3 * total and seen:
            stop = i
            break
        seen += prose_words[i]
    title_key = " ".join(words_of(title.casefold())) if title else None
    kept = []
    for line in lines[:stop]:
        # trafilatura already chose the main text: only clutter named by a pattern, a caption,
        # a credit, a byline or a learnt site line goes; the shape rules of scraped text do not
        # apply (code, tables and lists have short link-like lines).
        if line.kind not in ("prose", "heading", "dateline") and line.reason not in _SHAPE_REASONS:
            continue
        if title_key and line.kind == "heading" and " ".join(words_of(line.text.casefold())) == title_key:
            continue
        kept.append(line)
    # A dateline alone on its line is glued to the paragraph after it.
    merged: list[Line] = []
    for line in kept:
        if merged and merged[-1].kind == "dateline":
            prev = merged.pop()
            line = Line(start=-1, text=f"{prev.text} {line.text}", kind=line.kind, words=prev.words + line.words)
        merged.append(line)
    return merged


def _squash(text: str) -> str:
    return " ".join(text.split())


def _missing_lead(tree: Any, texts: list[str], classifier: LineClassifier) -> str | None:
    """Return a prose paragraph just before the first extracted one that trafilatura left out."""
    if not texts:
        return None
    first = _squash(texts[0])[:60]
    paragraphs = tree.xpath("//p")
    for i, p in enumerate(paragraphs):
        text = _squash(p.text_content())
        if not text.startswith(first):
            continue
        if i == 0:
            return None
        prev = paragraphs[i - 1]
        prev_text = _squash(prev.text_content())
        same_block = prev.getparent() is p.getparent() or prev.getparent().getparent() is p.getparent().getparent()
        if not same_block or any(prev_text[:60] in _squash(t) for t in texts[:3]):
            return None
        line = Line(start=-1, text=prev_text)
        classifier.classify(line)
        return prev_text if line.kind == "prose" else None
    return None


def align(body_parts: list[str], raw: str) -> tuple[tuple[int, int, int], ...]:
    """Map each body paragraph onto the raw HTML: `(body_start, raw_start, length)` segments.

    `body_parts` are joined with two newlines in the body. Exact runs are searched in order
    from the start of `<body>`; text written with entities or split by tags maps piece by piece.
    """
    segments: list[tuple[int, int, int]] = []
    body_tag = raw.find("<body")
    cursor = body_tag if body_tag >= 0 else 0
    pos = 0
    for part in body_parts:
        found = raw.find(part, cursor)
        if found < 0:
            found = raw.find(part)
        if found >= 0:
            segments.append((pos, found, len(part)))
            cursor = found + len(part)
        else:
            cursor = _align_pieces(part, pos, raw, cursor, segments)
        pos += len(part) + 2
    segments.sort()
    return tuple(segments)


def _align_pieces(part: str, pos: int, raw: str, cursor: int, segments: list[tuple[int, int, int]]) -> int:
    window = cursor + 40 * len(part) + 2000
    local = cursor
    last = 0
    for m in [*_BREAKS.finditer(part), None]:
        end = m.start() if m else len(part)
        piece = part[last:end]
        if len(piece) >= _MIN_CHUNK:
            found = raw.find(piece, local, window)
            if found >= 0:
                segments.append((pos + last, found, len(piece)))
                local = found + len(piece)
        last = m.end() if m else len(part)
    return local if local > cursor else cursor
