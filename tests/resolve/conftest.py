"""Fixtures of the resolve tests: a parser with emptied dictionaries (names not in any dictionary)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def parser_empty(models):  # type: ignore[no-untyped-def]
    from dossier.settings import Settings

    parser = models.parser
    settings = Settings(values={**parser.settings.values, "nlp": {"empty_dictionaries": True}})
    return parser.with_settings(settings)
