"""Clean stage: article body and metadata from HTML pages and scraped text.

Entry points: `load_cleaner(settings)` once per process, then `Cleaner.clean(doc)`.
"""

from __future__ import annotations

from dossier.clean.records import CleanArticle, OffsetMap, PublishedDate
from dossier.errors import InputError
from dossier.ingest.records import RawDocument
from dossier.settings import Settings


class Cleaner:
    """Turns raw documents into clean articles. PROVISIONAL: replaced by the clean stage."""

    def __init__(self, settings: Settings, site_lines: dict[str, frozenset[str]] | None = None) -> None:
        self.settings = settings
        self.site_lines = site_lines or {}

    def clean(self, doc: RawDocument) -> CleanArticle:
        """Return the article in `doc`; raise InputError when there is none."""
        body = doc.raw.strip()
        if not body:
            raise InputError(f"{doc.name}: no article text found")
        start = doc.raw.find(body)
        return CleanArticle(
            doc_id=doc.doc_id, name=doc.name, source=doc.source, raw=doc.raw,
            media_type=doc.media_type, body=body, offsets=OffsetMap(((0, start, len(body)),)),
            published=PublishedDate(None, "unknown", "no date found"),
        )


def load_cleaner(settings: Settings, *, site_lines: dict[str, frozenset[str]] | None = None) -> Cleaner:
    """Return a cleaner with its pattern files and learnt per-site boilerplate loaded."""
    return Cleaner(settings, site_lines)


__all__ = ["Cleaner", "load_cleaner"]
