"""Fixtures of the nlp tests: the session's parser and a helper turning text into a parsed article."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import spacy
from spacy.tokens import Doc

from dossier.clean.records import CleanArticle, OffsetMap, PublishedDate
from dossier.nlp import MODEL, Parser
from dossier.nlp.records import Entity, ParsedArticle


def article(body: str, published: str | None = None, precision: str = "day", title: str | None = None) -> CleanArticle:
    """A clean article with this body (no clutter), as the clean stage would hand it over."""
    pub = PublishedDate(published, precision if published else "unknown", "test")  # type: ignore[arg-type]
    return CleanArticle("test", "test.txt", "test.txt", body, "text", body, OffsetMap(), pub, title=title)


def signature(doc: Doc) -> list[tuple[object, ...]]:
    """Every annotation spaCy sets on each token of `doc`."""
    return [(t.text, t.tag_, t.pos_, str(t.morph), t.morph.key, t.lemma_, t.dep_, t.head.i, t.ent_iob_, t.ent_type_)
            for t in doc]


@pytest.fixture(scope="session")
def spacy_own() -> spacy.language.Language:
    """The model exactly as spaCy ships it: its own attribute_ruler and matrix backend (blis)."""
    return spacy.load(MODEL)


@pytest.fixture(scope="session")
def parser(models) -> Parser:  # type: ignore[no-untyped-def]
    return models.parser


@pytest.fixture(scope="session")
def parse(parser: Parser) -> Callable[..., ParsedArticle]:
    def _parse(
        body: str, published: str | None = None, precision: str = "day", title: str | None = None
    ) -> ParsedArticle:
        return parser.parse([article(body, published, precision, title)])[0]

    return _parse


def entity_with(parsed: ParsedArticle, surface: str) -> Entity:
    """The entity that has `surface` among its aliases."""
    for ent in parsed.entities:
        if surface in ent.aliases or ent.name == surface:
            return ent
    raise AssertionError(f"no entity has alias {surface!r}: {[(e.name, e.aliases) for e in parsed.entities]}")


@pytest.fixture(scope="session")
def parser_empty(parser: Parser) -> Parser:
    """A parser whose actor dictionaries are emptied (`nlp.empty_dictionaries`), sharing spaCy."""
    from dossier.settings import Settings

    settings = Settings(values={**parser.settings.values, "nlp": {"empty_dictionaries": True}})
    return parser.with_settings(settings)
