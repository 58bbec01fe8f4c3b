"""Extract stage: PLOVER events, figures and quotes, each tied to verbatim evidence.

Entry points: `load_extractor(settings)` once per process, then `Extractor.extract(parsed)`.
"""

from __future__ import annotations

from dossier.extract.records import ArticleExtraction
from dossier.nlp.records import ParsedArticle
from dossier.settings import Settings


class Extractor:
    """Extracts facts from a parsed article. PROVISIONAL: replaced by the extract stage."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def extract(self, parsed: ParsedArticle) -> ArticleExtraction:
        """Return every event, figure and quote found in the article."""
        return ArticleExtraction(
            parsed.article, parsed.entities, parsed.mentions, parsed.timexes, (), (), ()
        )


def load_extractor(settings: Settings) -> Extractor:
    """Return an extractor with its lexicons loaded."""
    return Extractor(settings)


__all__ = ["Extractor", "load_extractor"]
