"""The extract stage's entry point: one parsed article to its events, figures and quotes.

`load_extractor(settings)` once per process, then `Extractor.extract(parsed)`. The three
extractors live in `events.py`, `figures.py` and `quotes.py`.
"""

from __future__ import annotations

from dossier.extract.events import EventExtractor
from dossier.extract.figures import FigureExtractor
from dossier.extract.quotes import QuoteExtractor
from dossier.extract.records import ArticleExtraction
from dossier.nlp.records import ParsedArticle
from dossier.settings import Settings


class Extractor:
    """Runs the event, figure and quote extractors over one parsed article."""

    def __init__(self, settings: Settings) -> None:
        self.events = EventExtractor(settings)
        self.figures = FigureExtractor(settings)
        self.quotes = QuoteExtractor(settings)

    def extract(self, parsed: ParsedArticle) -> ArticleExtraction:
        """Return every event, figure and quote found in the article."""
        quotes = self.quotes.extract(parsed)
        return ArticleExtraction(
            article=parsed.article,
            entities=parsed.entities,
            mentions=parsed.mentions,
            timexes=parsed.timexes,
            events=self.events.extract(parsed),
            figures=self.figures.extract(parsed),
            quotes=quotes,
        )


def load_extractor(settings: Settings) -> Extractor:
    """Return an extractor with its lexicons loaded."""
    return Extractor(settings)


__all__ = ["Extractor", "load_extractor"]
