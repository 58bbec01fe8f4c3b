"""The clean stage's cleaner: article body and metadata from HTML pages and scraped text.

Entry points: `load_cleaner(settings, site_lines=...)` once per process, then
`Cleaner.clean(doc)`; `site_lines(article)` gives the lines a build driver counts per site
to learn each site's boilerplate. HTML goes through trafilatura (plus htmldate) and Dossier's
corrections (`htmlpath`); scraped text through the line classifier (`lines`, `textpath`).
Dates follow the rules in `dates`, outlets the data file read by `outlets`.
"""

from __future__ import annotations

import logging
from datetime import date

import py3langid

from dossier.clean.dates import FIRST_PUBLISHED, DateEvidence, DateFinder, find_mentions
from dossier.clean.htmlpath import align, extract_page, relearn
from dossier.clean.lines import BODY_KINDS, Line, LineClassifier, split_lines
from dossier.clean.outlets import OutletFinder, authors_from_bylines, compose_outlet, domain_of
from dossier.clean.patterns import CleanData, load_clean_data, norm
from dossier.clean.records import CleanArticle, OffsetMap, PublishedDate
from dossier.clean.textpath import TextCut, body_text, cut_lines
from dossier.errors import InputError, SkippedInput
from dossier.ingest.records import RawDocument
from dossier.settings import Settings

log = logging.getLogger(__name__)


class Cleaner:
    """Turns raw documents into clean articles; one per process (data files loaded once)."""

    def __init__(self, settings: Settings, site_lines: dict[str, frozenset[str]] | None = None) -> None:
        self.settings = settings
        self.data: CleanData = load_clean_data(settings)
        self.classifier = LineClassifier(
            self.data,
            max_drop_words=int(settings.get("clean.max_drop_words", 30)),
            max_caption_words=int(settings.get("clean.max_caption_words", 60)),
        )
        self.outlets = OutletFinder(self.data)
        self.dates = DateFinder(
            self.data.observances,
            republication_years=int(settings.get("clean.republication_years", 2)),
            stale_days=int(settings.get("clean.stale_page_date_days", 30)),
        )
        self.site_lines = {key: frozenset(lines) for key, lines in (site_lines or {}).items()}
        self.min_body_words = int(settings.get("clean.min_body_words", 15))
        self.languages = tuple(settings.get("clean.languages", ["en"]))
        self.min_language_chars = int(settings.get("clean.min_language_chars", 200))
        self.day_first = str(settings.get("clean.numeric_date_order", "dmy")) == "dmy"
        self.fast = bool(settings.get("clean.trafilatura_fast", True))
        py3langid.classify("warm up the language model once per process")

    def clean(self, doc: RawDocument) -> CleanArticle:
        """Return the article in `doc`.

        Raises InputError when there is no article text, SkippedInput when the article is
        not in one of the `clean.languages`.
        """
        return self.analyse(doc, check_language=True)

    def analyse(
        self, doc: RawDocument, *, check_language: bool = True, require_body: bool = True, today: date | None = None
    ) -> CleanArticle:
        """Like `clean`, with the checks made optional for evaluation.

        `check_language=False` keeps articles in any language; `require_body=False` returns
        a page without article text (empty body) with the metadata found, instead of raising.
        """
        if doc.media_type == "html":
            article = self._html(doc, today, require_body=require_body)
        else:
            article = self._text(doc, today)
        if not require_body:
            return article
        if len(article.body.split()) < self.min_body_words or not article.hints.get("has_prose", "1") == "1":
            raise InputError(
                f"{doc.name}: no article text found (the longest run of article-like text has "
                f"{len(article.body.split())} words); check that the file is a news article"
            )
        if check_language and article.language not in self.languages:
            raise SkippedInput(
                f"{doc.name}: language is {article.language!r}, not English; skipped"
                if self.languages == ("en",)
                else f"{doc.name}: language is {article.language!r}, not one of {', '.join(self.languages)}; skipped"
            )
        return article

    # -- language -------------------------------------------------------------------------

    def _language(self, body: str, declared: str | None) -> str:
        if len(body) < self.min_language_chars and declared:
            return declared.split("-")[0].lower()
        lang, _ = py3langid.classify(body[:800])
        return str(lang)

    # -- scraped text ---------------------------------------------------------------------

    def _cut_text(self, doc: RawDocument, learnt: frozenset[str]) -> tuple[list[Line], TextCut]:
        lines = split_lines(doc.raw)
        self.classifier.classify_all(lines, learnt=learnt)
        return lines, cut_lines(lines, self.classifier)

    def _text(self, doc: RawDocument, today: date | None) -> CleanArticle:
        url = doc.url or doc.hints.get("url")
        domain = domain_of(url)
        learnt = self.site_lines.get(domain, frozenset()) if domain else frozenset()
        lines, cut = self._cut_text(doc, learnt)
        site, site_basis = self._text_site(domain, cut)
        if not learnt and site and norm(site) in self.site_lines:
            # The site is known only after a first cut; cut again with its learnt lines.
            learnt = self.site_lines[norm(site)]
            lines, cut = self._cut_text(doc, learnt)
        if not cut.body:
            raise InputError(f"{doc.name}: no article text found (no paragraph of running text); "
                             "check that the file is a news article")
        body, segments = body_text(cut.body)
        # A sign-off on its own line after the story ("— The Associated Press") credits the wire too.
        after = " ".join(ln.text for ln in lines[cut.last + 1 : cut.last + 3])
        wire = self.outlets.wire(body) or self.outlets.wire_line(after)
        if site is None:
            site, site_basis = self.outlets.site_from_body(body)
        dropped = cut.dropped
        title = cut.title.text if cut.title else doc.hints.get("title")
        published = self.dates.find(
            DateEvidence(
                body=body,
                printed=self._printed_text(doc, lines, cut),
                other_text=[ln.text for ln in dropped if ln.kind in ("caption", "image")],
                first_published=next((ln.text for ln in lines if FIRST_PUBLISHED.search(ln.text)), None),
                day_first=self._day_first(site),
                today=today,
            )
        )
        hints = {"site_basis": site_basis} if site_basis else {}
        return CleanArticle(
            doc_id=doc.doc_id, name=doc.name, source=doc.source, raw=doc.raw, media_type=doc.media_type,
            body=body, offsets=OffsetMap(segments), published=published, title=title,
            outlet=compose_outlet(site, wire), site_name=site, wire=wire,
            authors=authors_from_bylines([ln.text for ln in dropped if ln.kind == "byline"], [wire] if wire else []),
            credits=tuple(ln.text for ln in dropped if ln.kind == "credit"),
            url=url, language=self._language(body, doc.hints.get("language")),
            boilerplate=tuple(ln.text for ln in dropped), hints=hints,
        )

    def _text_site(self, domain: str | None, cut: TextCut) -> tuple[str | None, str]:
        known = self.outlets.by_domain(domain)
        if known is not None:
            return known.name, f"domain {domain}"
        body_ids = {id(ln) for ln in cut.body}
        site, basis = self.outlets.site_from_lines(cut.lines, body_ids, cut.first, cut.last, cut.title)
        if site is None and domain:
            return domain, f"domain {domain}"
        return site, basis

    def _printed_text(self, doc: RawDocument, lines: list[Line], cut: TextCut) -> list[tuple[str, date, str]]:
        printed: list[tuple[str, date, str]] = []
        hint = doc.hints.get("date") or doc.hints.get("published")
        if hint:
            printed += [("date given with the document", d, hint) for d in self._days(hint)]
        published = self.data.patterns["published"]
        for i, line in enumerate(lines):
            if cut.first <= i <= cut.last and line.kind in BODY_KINDS:
                continue  # a date inside a paragraph is a fact of the story, not the page's date
            top = i < cut.first
            if any(p.search(line.text) for p in published):
                what = "'Published' line"
            elif top and line.kind == "date":
                what = "date printed in the page"
            elif top and (line.kind == "byline" or line.text.casefold().startswith("by ")):
                what = "byline date"
            else:
                continue
            printed += [(what, d, line.text) for d in self._days(line.text)]
        # A "first published" date is handled by its own rule; the others keep page order.
        return printed

    def _days(self, text: str) -> list[date]:
        days = []
        for m in find_mentions(text, day_first=self.day_first):
            d = m.earliest()
            if d is not None and m.precision == "day":
                days.append(d)
        return days

    def _day_first(self, site: str | None) -> bool:
        known = self.outlets.known(site)
        if known is not None and known.date_order:
            return known.date_order == "dmy"
        return self.day_first

    # -- HTML -----------------------------------------------------------------------------

    def _html(self, doc: RawDocument, today: date | None, *, require_body: bool = True) -> CleanArticle:
        domain = domain_of(doc.url or doc.hints.get("url"))
        learnt = self.site_lines.get(domain, frozenset()) if domain else frozenset()
        page = extract_page(doc.raw, doc.url or doc.hints.get("url"), self.classifier, learnt, fast=self.fast)
        if page is None or (not page.body and require_body):
            raise InputError(
                f"{doc.name}: HTML with no article text (no main text found in the page); "
                "check that it is an article page and not an index, a login wall or a script-rendered shell"
            )
        domain = domain_of(page.url) or domain
        if not learnt:
            # The site is known only now (canonical URL, site name): apply its learnt lines.
            key = domain if domain in self.site_lines else norm(page.site_name or "")
            if key in self.site_lines:
                relearn(page, self.classifier, self.site_lines[key])
        parts = [ln.text for ln in page.body]
        body = "\n\n".join(parts)
        known = self.outlets.by_domain(domain) or self.outlets.known(page.site_name)
        site = known.name if known is not None and known.kind == "site" else page.site_name or domain
        wire = self.outlets.wire(body) or next(
            (k.name for a in page.authors if (k := self.outlets.known(a)) is not None and k.kind == "wire"), None
        )
        if known is not None and known.kind == "wire":
            wire = wire or known.name
        kept = {id(ln) for ln in page.body}
        dropped = [ln for ln in page.lines if id(ln) not in kept]
        printed: list[tuple[str, date, str]] = []
        if page.page_date:
            printed += [("page date (htmldate)", d, page.page_date) for d in self._days(page.page_date)]
        hint = doc.hints.get("date") or doc.hints.get("published")
        if hint:
            printed += [("date given with the document", d, hint) for d in self._days(hint)]
        published = self.dates.find(
            DateEvidence(
                body=body,
                printed=printed,
                other_text=[ln.text for ln in dropped if ln.kind in ("caption", "image")] + list(page.image_names),
                first_published=next((ln.text for ln in page.lines if FIRST_PUBLISHED.search(ln.text)), None),
                day_first=self._day_first(site),
                today=today,
            )
        )
        authors = tuple(a for a in page.authors if self.outlets.known(a) is None)
        bylines = [ln.text for ln in dropped if ln.kind == "byline"]
        bylines += [b for b in page.bylines if b.lower().startswith("by ")]
        authors += authors_from_bylines(bylines, [wire] if wire else [])
        return CleanArticle(
            doc_id=doc.doc_id, name=doc.name, source=doc.source, raw=doc.raw, media_type=doc.media_type,
            body=body, offsets=OffsetMap(align(parts, doc.raw)), published=published,
            title=page.title or doc.hints.get("title"), outlet=compose_outlet(site, wire), site_name=site, wire=wire,
            authors=tuple(dict.fromkeys(authors)), credits=tuple(ln.text for ln in dropped if ln.kind == "credit"),
            url=page.url or doc.url, language=self._language(body, page.html_lang),
            boilerplate=tuple(ln.text for ln in dropped if norm(ln.text) != norm(page.title or "")),
            hints={"has_prose": "1" if any(ln.kind == "prose" for ln in page.body) else "0"},
        )


def load_cleaner(settings: Settings, *, site_lines: dict[str, frozenset[str]] | None = None) -> Cleaner:
    """Return a cleaner with its pattern files and learnt per-site boilerplate loaded.

    `site_lines` maps a site key (see `site_lines()`) to normalised lines seen in at least
    `clean.site_line_min_docs` documents of that site; those lines are dropped as boilerplate.
    """
    return Cleaner(settings, site_lines)


def site_lines(article: CleanArticle) -> tuple[str | None, frozenset[str]]:
    """Return the article's site key and its normalised lines, for learning site boilerplate.

    The key is the domain of the article's URL, else the normalised site name; None when
    neither is known (wire copy without a site). Lines are the body paragraphs and the
    dropped lines, normalised with `norm`; the driver counts in how many documents of a
    site each line occurs and passes the frequent ones back to `load_cleaner`.
    """
    key = domain_of(article.url) or (norm(article.site_name) if article.site_name else None)
    if not key:
        return None, frozenset()
    texts = [*article.body.split("\n\n"), *article.boilerplate]
    return key, frozenset(n for t in texts if (n := norm(t)) and len(n.split()) <= 40)


__all__ = ["Cleaner", "PublishedDate", "load_cleaner", "site_lines"]
