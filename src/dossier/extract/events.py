"""Events from parsed articles. PROVISIONAL: finds nothing until the stage is built."""

from __future__ import annotations

from dossier.extract.records import Event
from dossier.nlp.records import ParsedArticle
from dossier.settings import Settings


class EventExtractor:
    """Finds events in a parsed article."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def extract(self, parsed: ParsedArticle) -> tuple[Event, ...]:
        """Return the article's events, each with its evidence."""
        return ()
