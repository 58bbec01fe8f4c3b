"""The held-out set: unseen outlets and relationships, gold that is internally sound, and floors that hold.

tests/fixtures/heldout/ holds articles nobody tunes against (see its README). The integrity tests
are fast and guard the gold itself; the gate runs `dossier eval --check` against the "heldout" floors.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dossier.evaluate.loading import load_gold
from dossier.evaluate.normalize import norm

REPO = Path(__file__).resolve().parents[2]
HELDOUT = REPO / "tests" / "fixtures" / "heldout"
GOLD = HELDOUT / "gold"
ARTICLES = HELDOUT / "articles"
FLOORS = REPO / "tests" / "eval" / "floors.json"
DOSSIER = Path(sys.executable).parent / "dossier"

EVENT_TYPES = {"AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE",
               "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"}
ENTITY_TYPES = {"PERSON", "ORG", "GPE", "LOC", "EVENT"}
PRECISIONS = {"day", "month", "year", "unknown"}
QUALIFIERS = {None, "at least", "at most", "about", "more than"}
STANCES = {"support", "condemn", "neutral", "request"}


def _gold_files() -> list[Path]:
    return sorted(GOLD.glob("*.json"))


def _load(path: Path) -> tuple[dict[str, Any], str]:
    gold = json.loads(path.read_text(encoding="utf-8"))
    text = (ARTICLES / gold["article"]).read_text(encoding="utf-8")
    return gold, text


def _check_date(date: str | None, precision: str) -> None:
    assert precision in PRECISIONS
    assert (date is None) == (precision == "unknown"), (date, precision)
    if precision == "month":
        assert date is not None and date.endswith("-01"), date
    if precision == "year":
        assert date is not None and date.endswith("-01-01"), date


def test_heldout_every_article_has_one_gold_file_of_the_same_name() -> None:
    articles = sorted(p.name for p in ARTICLES.iterdir() if p.suffix in {".txt", ".html"})
    golds = [json.loads(p.read_text(encoding="utf-8"))["article"] for p in _gold_files()]
    assert len(articles) >= 8
    assert golds == articles
    assert all(p.stem == Path(json.loads(p.read_text(encoding="utf-8"))["article"]).stem for p in _gold_files())
    assert len(load_gold(GOLD)) == len(articles)  # the evaluator reads the folder as it is


@pytest.mark.parametrize("path", _gold_files(), ids=lambda p: p.stem)
def test_heldout_gold_strings_are_verbatim_in_the_article(path: Path) -> None:
    gold, text = _load(path)
    verbatim = [gold["body_starts_with"], gold["body_ends_with"], *gold["boilerplate"]]
    verbatim += [gold["title"]] if gold["title"] else []
    verbatim += [alias for entity in gold["entities"] for alias in entity["aliases"]]
    verbatim += [item["evidence"] for area in ("events", "figures", "quotes") for item in gold[area]]
    missing = [s for s in verbatim if s not in text]
    assert not missing, f"{path.name}: not verbatim in {gold['article']}: {missing}"
    assert text.index(gold["body_starts_with"]) < text.rindex(gold["body_ends_with"])


@pytest.mark.parametrize("path", _gold_files(), ids=lambda p: p.stem)
def test_heldout_gold_follows_the_schema_and_names_its_entities(path: Path) -> None:
    gold, _ = _load(path)
    _check_date(gold["published"]["date"], gold["published"]["precision"])
    assert gold["published"]["basis"]
    names = {entity["name"] for entity in gold["entities"]}
    surfaces: dict[str, str] = {}
    for entity in gold["entities"]:
        assert entity["type"] in ENTITY_TYPES, entity["name"]
        for surface in (entity["name"], *entity["aliases"]):
            owner = surfaces.setdefault(norm(surface), entity["name"])
            assert owner == entity["name"], f"{surface!r} belongs to both {owner} and {entity['name']}"
    for event in gold["events"]:
        assert event["type"] in EVENT_TYPES
        _check_date(event["date"], event["precision"])
        assert set(event["actors"]) | set(event["targets"]) <= names, event["evidence"]
        assert event["place"] is None or norm(event["place"]) in surfaces, event["place"]
    for figure in gold["figures"]:
        assert figure["qualifier"] in QUALIFIERS
        assert isinstance(figure["value"], int | float) and not isinstance(figure["value"], bool)
    for quote in gold["quotes"]:
        assert quote["stance"] in STANCES
        assert quote["speaker"] in names and (quote["target"] is None or quote["target"] in names)


@pytest.mark.slow
def test_heldout_eval_stays_at_or_above_its_floors() -> None:
    floors = json.loads(FLOORS.read_text(encoding="utf-8"))
    assert len([m for m in floors.get("heldout", {}) if not m.startswith("_")]) >= 10, "heldout floors missing"
    cmd = [str(DOSSIER), "eval", "--gold", str(GOLD), str(ARTICLES), "--check",
           "--floors", str(FLOORS), "--set", "heldout"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env={"COLUMNS": "120", "PATH": ""})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "every figure at or above its floor" in proc.stdout
