"""Checks shared by the held-out and blind gold sets: files, verbatim strings, schema, floors."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dossier.evaluate.loading import load_gold
from dossier.evaluate.normalize import norm

REPO = Path(__file__).resolve().parents[2]
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


@dataclass(frozen=True)
class GoldSet:
    """A folder of articles with one gold file each (`<root>/articles`, `<root>/gold`)."""

    name: str  # its section in tests/eval/floors.json
    root: Path

    @property
    def articles(self) -> Path:
        return self.root / "articles"

    @property
    def gold(self) -> Path:
        return self.root / "gold"

    def gold_files(self) -> list[Path]:
        return sorted(self.gold.glob("*.json"))

    def load(self, path: Path) -> tuple[dict[str, Any], str]:
        """The gold file at `path` and the text of its article."""
        gold = json.loads(path.read_text(encoding="utf-8"))
        return gold, (self.articles / gold["article"]).read_text(encoding="utf-8")

    def check_one_gold_file_per_article(self, min_articles: int) -> None:
        articles = sorted(p.name for p in self.articles.iterdir() if p.suffix in {".txt", ".html"})
        golds = [json.loads(p.read_text(encoding="utf-8"))["article"] for p in self.gold_files()]
        assert len(articles) >= min_articles
        assert golds == articles
        assert all(p.stem == Path(json.loads(p.read_text(encoding="utf-8"))["article"]).stem
                   for p in self.gold_files())
        assert len(load_gold(self.gold)) == len(articles)  # the evaluator reads the folder as it is

    def check_verbatim(self, path: Path) -> None:
        """Every string the gold quotes from its article is in it, and the body starts before it ends."""
        gold, text = self.load(path)
        verbatim = [gold["body_starts_with"], gold["body_ends_with"], *gold["boilerplate"]]
        verbatim += [gold["title"]] if gold["title"] else []
        verbatim += [alias for entity in gold["entities"] for alias in entity["aliases"]]
        verbatim += [item["evidence"] for area in ("events", "figures", "quotes") for item in gold[area]]
        missing = [s for s in verbatim if s not in text]
        assert not missing, f"{path.name}: not verbatim in {gold['article']}: {missing}"
        assert text.index(gold["body_starts_with"]) < text.rindex(gold["body_ends_with"])

    def check_schema(self, path: Path, *, strict: bool = False) -> None:
        """The gold follows gold/SCHEMA.md and names its entities once; `strict` checks field types too."""
        gold, _ = self.load(path)
        if strict:
            assert set(gold) == GOLD_KEYS, set(gold) ^ GOLD_KEYS
        check_date(gold["published"]["date"], gold["published"]["precision"])
        assert gold["published"]["basis"]
        names = {entity["name"] for entity in gold["entities"]}
        surfaces: dict[str, str] = {}
        for entity in gold["entities"]:
            assert entity["type"] in ENTITY_TYPES, entity["name"]
            if strict:
                assert entity["country"] is None or (len(entity["country"]) == 3 and entity["country"].isupper())
            for surface in (entity["name"], *entity["aliases"]):
                owner = surfaces.setdefault(norm(surface), entity["name"])
                assert owner == entity["name"], f"{surface!r} belongs to both {owner} and {entity['name']}"
        for event in gold["events"]:
            assert event["type"] in EVENT_TYPES
            if strict:
                assert isinstance(event["negated"], bool)
            check_date(event["date"], event["precision"])
            assert set(event["actors"]) | set(event["targets"]) <= names, event["evidence"]
            assert event["place"] is None or norm(event["place"]) in surfaces, event["place"]
        for figure in gold["figures"]:
            assert figure["qualifier"] in QUALIFIERS
            assert isinstance(figure["value"], int | float) and not isinstance(figure["value"], bool)
            if strict:
                assert figure["as_of"] is None or len(figure["as_of"]) == 10, figure["as_of"]
        for quote in gold["quotes"]:
            assert quote["stance"] in STANCES
            assert quote["speaker"] in names and (quote["target"] is None or quote["target"] in names)

    def check_floors(self, min_floors: int) -> None:
        """`dossier eval --check` on this set stays at or above its floors."""
        floors = json.loads(FLOORS.read_text(encoding="utf-8"))
        assert len([m for m in floors.get(self.name, {}) if not m.startswith("_")]) >= min_floors, \
            f"{self.name} floors missing"
        cmd = [str(DOSSIER), "eval", "--gold", str(self.gold), str(self.articles), "--check",
               "--floors", str(FLOORS), "--set", self.name]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env={"COLUMNS": "120", "PATH": ""})
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "every figure at or above its floor" in proc.stdout


def check_date(date: str | None, precision: str) -> None:
    """A date and its precision agree (month and year dates are stored as their first day)."""
    assert precision in PRECISIONS
    assert (date is None) == (precision == "unknown"), (date, precision)
    if precision == "month":
        assert date is not None and date.endswith("-01"), date
    if precision == "year":
        assert date is not None and date.endswith("-01-01"), date
