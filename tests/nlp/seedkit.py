"""Seed articles as clean articles (gold body span) and the SCORING.md entity score."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dossier.clean.records import CleanArticle, OffsetMap, PublishedDate

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
_Q = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def norm(s: str) -> str:
    """SCORING.md norm."""
    s = unicodedata.normalize("NFKC", s).casefold().translate(_Q)
    s = re.sub(r"[^\w]+|_", " ", s)
    s = re.sub(r"\s+", " ", s).strip()
    return s[4:] if s.startswith("the ") else s


def seed_articles() -> list[tuple[CleanArticle, dict[str, Any]]]:
    """Each seed as a CleanArticle whose body is the gold body span, with its gold."""
    out = []
    for gold_path in sorted((SHARED / "gold").glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        raw = (SHARED / "seeds" / gold["article"]).read_text(encoding="utf-8")
        start = raw.index(gold["body_starts_with"])
        end = raw.index(gold["body_ends_with"], start) + len(gold["body_ends_with"])
        body = raw[start:end]
        # Drop gold boilerplate lines inside the span, as the clean stage does.
        lines = [ln for ln in body.split("\n") if ln.strip() not in set(gold["boilerplate"])]
        body = "\n".join(lines)
        pub = gold["published"]
        out.append((
            CleanArticle(gold_path.stem, gold["article"], str(gold_path), raw, "text", body, OffsetMap(),
                         PublishedDate(pub["date"], pub["precision"], pub.get("basis", "")), title=gold["title"]),
            gold,
        ))
    return out


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    country_ok: int = 0

    @property
    def f1(self) -> float:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def country_share(self) -> float:
        return self.country_ok / self.tp if self.tp else 0.0


def _forms(e: dict[str, Any]) -> set[str]:
    return {norm(e["name"])} | {norm(a) for a in e.get("aliases", [])}


def _types_agree(a: str, b: str) -> bool:
    return a == b or {a, b} <= {"GPE", "LOC"}


def score_entities(pred: list[dict[str, Any]], gold: list[dict[str, Any]], score: Score,
                   misses: list[str] | None = None) -> None:
    """Greedy one-to-one matching in gold order (SCORING.md)."""
    used: set[int] = set()
    for g in gold:
        gf = _forms(g)
        hit = next((i for i, p in enumerate(pred) if i not in used and _types_agree(p["type"], g["type"])
                    and _forms(p) & gf), None)
        if hit is None:
            score.fn += 1
            if misses is not None:
                misses.append(f"MISS {g['type']} {g['name']} {g.get('aliases')}")
            continue
        used.add(hit)
        score.tp += 1
        if pred[hit].get("country") == g.get("country"):
            score.country_ok += 1
        elif misses is not None:
            misses.append(f"COUNTRY {g['name']}: {pred[hit].get('country')} != {g.get('country')}")
    for i, p in enumerate(pred):
        if i not in used:
            score.fp += 1
            if misses is not None:
                misses.append(f"SPURIOUS {p['type']} {p['name']} {p['aliases']}")
