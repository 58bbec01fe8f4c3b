"""Fixtures of the resolve tests: a parser with emptied dictionaries (names not in any dictionary)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def parser_empty(models):  # type: ignore[no-untyped-def]
    from dossier.nlp import Parser
    from dossier.nlp.actors import load_actors
    from dossier.nlp.entities import EntityFinder
    from dossier.nlp.gazetteer import load_gazetteer
    from dossier.settings import Settings

    parser = models.parser
    settings = Settings(values={**parser.settings.values, "nlp": {"empty_dictionaries": True}})
    empty = object.__new__(Parser)
    empty.settings = settings
    empty.nlp = parser.nlp
    empty.batch_size = parser.batch_size
    empty.finder = EntityFinder(load_actors(settings), load_gazetteer(settings), name_token_share=0.6)
    return empty
