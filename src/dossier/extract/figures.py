"""Figures from parsed articles. PROVISIONAL: finds nothing until the stage is built."""

from __future__ import annotations

from dossier.extract.records import Figure
from dossier.nlp.records import ParsedArticle
from dossier.settings import Settings


class FigureExtractor:
    """Finds figures in a parsed article."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def extract(self, parsed: ParsedArticle) -> tuple[Figure, ...]:
        """Return the article's figures, each with its evidence."""
        return ()
