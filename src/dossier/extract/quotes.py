"""Quotes from parsed articles. PROVISIONAL: finds nothing until the stage is built."""

from __future__ import annotations

from dossier.extract.records import Quote
from dossier.nlp.records import ParsedArticle
from dossier.settings import Settings


class QuoteExtractor:
    """Finds quotes in a parsed article."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def extract(self, parsed: ParsedArticle) -> tuple[Quote, ...]:
        """Return the article's quotes, each with its evidence."""
        return ()
