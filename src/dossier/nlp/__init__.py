"""NLP stage: spaCy parse, dictionary-backed entities, coreference and time expressions.

Entry points: `load_parser(settings)` once per process, then `Parser.parse(articles)`
(`dossier.nlp.parser`). They load spaCy on first use: the build driver imports this
package's records and gazetteer only, and importing spaCy would cost it a second of
start-up before the first document reaches a worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dossier.lazy import exports

if TYPE_CHECKING:
    from dossier.nlp.parser import MODEL, Parser, batches, load_parser, load_spacy

__all__ = ["MODEL", "Parser", "batches", "load_parser", "load_spacy"]

__getattr__ = exports(__name__, "dossier.nlp.parser", __all__)
