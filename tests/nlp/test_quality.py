"""Entity quality on the seeds (gold body spans) and on hand-written articles of other relationships."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from dossier.clean.records import CleanArticle, OffsetMap, PublishedDate

from .seedkit import SHARED, Score, score_entities, seed_articles

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nlp"
UNSEEN = ["iran_russia_drones", "northkorea_russia_summit", "sahel_wagner"]


def _score(parser, pairs) -> Score:  # type: ignore[no-untyped-def]
    total = Score()
    parsed = parser.parse([a for a, _ in pairs])
    for (_, gold), p in zip(pairs, parsed, strict=True):
        score_entities([asdict(e) for e in p.entities], gold, total)
    return total


@pytest.fixture(scope="module")
def seeds():  # type: ignore[no-untyped-def]
    if not (SHARED / "gold").is_dir():
        pytest.skip("../shared/gold is not here")
    return [(a, g["entities"]) for a, g in seed_articles()]


def test_quality_seed_entities_meet_target(parser, seeds):
    total = _score(parser, seeds)
    assert total.f1 >= 0.85, total
    assert total.country_share >= 0.9, total


def test_quality_works_with_dictionaries_emptied(parser_empty, seeds):
    total = _score(parser_empty, seeds)
    # Without any actor dictionary the parse, gazetteer and rules still find most entities.
    assert total.f1 >= 0.75, total


def test_quality_unseen_relationships(parser):
    pairs = []
    for stem in UNSEEN:
        body = (FIXTURES / f"{stem}.txt").read_text(encoding="utf-8")
        art = CleanArticle(stem, stem, stem, body, "text", body, OffsetMap(), PublishedDate(None, "unknown", "t"))
        pairs.append((art, json.loads((FIXTURES / f"{stem}.entities.json").read_text(encoding="utf-8"))))
    total = _score(parser, pairs)
    assert total.f1 >= 0.75, total
    assert total.country_share >= 0.8, total
