"""The held-out set: unseen outlets and relationships, gold that is internally sound, and floors that hold.

tests/fixtures/heldout/ holds articles nobody tunes against (see its README). The integrity tests
are fast and guard the gold itself; the gate runs `dossier eval --check` against the "heldout" floors.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from gold_sets import REPO, GoldSet

HELDOUT = GoldSet("heldout", REPO / "tests" / "fixtures" / "heldout")


def test_heldout_every_article_has_one_gold_file_of_the_same_name() -> None:
    HELDOUT.check_one_gold_file_per_article(min_articles=8)


@pytest.mark.parametrize("path", HELDOUT.gold_files(), ids=lambda p: p.stem)
def test_heldout_gold_strings_are_verbatim_in_the_article(path: Path) -> None:
    HELDOUT.check_verbatim(path)


@pytest.mark.parametrize("path", HELDOUT.gold_files(), ids=lambda p: p.stem)
def test_heldout_gold_follows_the_schema_and_names_its_entities(path: Path) -> None:
    HELDOUT.check_schema(path)


@pytest.mark.slow
def test_heldout_eval_stays_at_or_above_its_floors() -> None:
    HELDOUT.check_floors(min_floors=10)
