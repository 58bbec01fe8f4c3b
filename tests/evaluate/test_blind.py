"""The blind set: gold that is internally sound, kept out of the code, and floors that hold.

tests/fixtures/blind/ is for measurement only (see its README): nobody develops against it. The
integrity tests are fast and guard the gold itself and its isolation; the gate runs
`dossier eval --check` against the "blind" floors.
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
BLIND = REPO / "tests" / "fixtures" / "blind"
GOLD = BLIND / "gold"
ARTICLES = BLIND / "articles"
FLOORS = REPO / "tests" / "eval" / "floors.json"
DOSSIER = Path(sys.executable).parent / "dossier"

EVENT_TYPES = {"AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE",
               "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"}
ENTITY_TYPES = {"PERSON", "ORG", "GPE", "LOC", "EVENT"}
PRECISIONS = {"day", "month", "year", "unknown"}
QUALIFIERS = {None, "at least", "at most", "about", "more than"}
STANCES = {"support", "condemn", "neutral", "request"}
GOLD_KEYS = {"article", "title", "outlet", "published", "language", "body_starts_with", "body_ends_with",
             "boilerplate", "entities", "events", "figures", "quotes"}
# Evidence this long is specific to one article: finding it elsewhere in the repo means the set leaked.
LEAK_MIN_WORDS = 8
SCANNED_SUFFIXES = {".py", ".json", ".jsonl", ".tsv", ".toml", ".txt", ".html", ".md", ".sql"}


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


def test_blind_readme_forbids_development_use() -> None:
    readme = (BLIND / "README.md").read_text(encoding="utf-8")
    assert "Never use these files for development" in readme
    assert "measurement" in readme.lower()


def test_blind_every_article_has_one_gold_file_of_the_same_name() -> None:
    articles = sorted(p.name for p in ARTICLES.iterdir() if p.suffix in {".txt", ".html"})
    golds = [json.loads(p.read_text(encoding="utf-8"))["article"] for p in _gold_files()]
    assert len(articles) >= 6
    assert golds == articles
    assert all(p.stem == Path(json.loads(p.read_text(encoding="utf-8"))["article"]).stem for p in _gold_files())
    assert len(load_gold(GOLD)) == len(articles)  # the evaluator reads the folder as it is
    assert {p.suffix for p in ARTICLES.iterdir()} == {".txt", ".html"}  # both input forms are measured


@pytest.mark.parametrize("path", _gold_files(), ids=lambda p: p.stem)
def test_blind_gold_strings_are_verbatim_in_the_article(path: Path) -> None:
    gold, text = _load(path)
    verbatim = [gold["body_starts_with"], gold["body_ends_with"], *gold["boilerplate"]]
    verbatim += [gold["title"]] if gold["title"] else []
    verbatim += [alias for entity in gold["entities"] for alias in entity["aliases"]]
    verbatim += [item["evidence"] for area in ("events", "figures", "quotes") for item in gold[area]]
    missing = [s for s in verbatim if s not in text]
    assert not missing, f"{path.name}: not verbatim in {gold['article']}: {missing}"
    assert text.index(gold["body_starts_with"]) < text.rindex(gold["body_ends_with"])


@pytest.mark.parametrize("path", _gold_files(), ids=lambda p: p.stem)
def test_blind_gold_follows_the_schema_and_names_its_entities(path: Path) -> None:
    gold, _ = _load(path)
    assert set(gold) == GOLD_KEYS, set(gold) ^ GOLD_KEYS
    _check_date(gold["published"]["date"], gold["published"]["precision"])
    assert gold["published"]["basis"]
    names = {entity["name"] for entity in gold["entities"]}
    surfaces: dict[str, str] = {}
    for entity in gold["entities"]:
        assert entity["type"] in ENTITY_TYPES, entity["name"]
        assert entity["country"] is None or (len(entity["country"]) == 3 and entity["country"].isupper())
        for surface in (entity["name"], *entity["aliases"]):
            owner = surfaces.setdefault(norm(surface), entity["name"])
            assert owner == entity["name"], f"{surface!r} belongs to both {owner} and {entity['name']}"
    for event in gold["events"]:
        assert event["type"] in EVENT_TYPES
        assert isinstance(event["negated"], bool)
        _check_date(event["date"], event["precision"])
        assert set(event["actors"]) | set(event["targets"]) <= names, event["evidence"]
        assert event["place"] is None or norm(event["place"]) in surfaces, event["place"]
    for figure in gold["figures"]:
        assert figure["qualifier"] in QUALIFIERS
        assert isinstance(figure["value"], int | float) and not isinstance(figure["value"], bool)
        assert figure["as_of"] is None or len(figure["as_of"]) == 10, figure["as_of"]
    for quote in gold["quotes"]:
        assert quote["stance"] in STANCES
        assert quote["speaker"] in names and (quote["target"] is None or quote["target"] in names)


def test_blind_gold_boilerplate_is_not_also_body_text() -> None:
    """A clutter line whose words also occur in the body would count as leaked whatever the cleaner did."""
    for path in _gold_files():
        gold, text = _load(path)
        start = text.index(gold["body_starts_with"])
        end = text.rindex(gold["body_ends_with"]) + len(gold["body_ends_with"])
        span = text[start:end]
        for line in gold["boilerplate"]:
            span = span.replace(line, " ")
        body = norm(span)
        assert not [b for b in gold["boilerplate"] if len(b) >= 8 and norm(b) in body], path.name


def test_blind_evidence_appears_nowhere_else_in_the_repo() -> None:
    """Long evidence sentences of this set must not turn up in code, data files or other fixtures."""
    sentences = {
        item["evidence"]
        for path in _gold_files()
        for area in ("events", "figures", "quotes")
        for item in json.loads(path.read_text(encoding="utf-8"))[area]
        if len(item["evidence"].split()) >= LEAK_MIN_WORDS
    }
    assert len(sentences) >= 30
    leaks = []
    for root in (REPO / "src", REPO / "tests", REPO / "bench", REPO / "examples"):
        for file in root.rglob("*"):
            if not file.is_file() or file.suffix not in SCANNED_SUFFIXES or BLIND in file.parents:
                continue
            content = file.read_text(encoding="utf-8", errors="replace")
            leaks += [f"{file.relative_to(REPO)}: {s[:60]}" for s in sentences if s in content]
    assert not leaks, "the blind set leaked into the repo:\n" + "\n".join(leaks)


@pytest.mark.slow
def test_blind_eval_stays_at_or_above_its_floors() -> None:
    floors = json.loads(FLOORS.read_text(encoding="utf-8"))
    assert len([m for m in floors.get("blind", {}) if not m.startswith("_")]) >= 20, "blind floors missing"
    cmd = [str(DOSSIER), "eval", "--gold", str(GOLD), str(ARTICLES), "--check",
           "--floors", str(FLOORS), "--set", "blind"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env={"COLUMNS": "120", "PATH": ""})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "every figure at or above its floor" in proc.stdout
