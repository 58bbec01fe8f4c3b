"""Print the entity score on the hand-written unseen-style articles in tests/fixtures/nlp."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

from tests.nlp.seedkit import Score, score_entities

from dossier.clean.records import CleanArticle, OffsetMap, PublishedDate
from dossier.nlp import load_parser
from dossier.settings import load_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nlp"
ARTICLES = ["iran_russia_drones", "northkorea_russia_summit", "sahel_wagner"]


def fixture_article(stem: str, published: str | None = None) -> CleanArticle:
    """A fixture text as a clean article (the whole file is the body)."""
    body = (FIXTURES / f"{stem}.txt").read_text(encoding="utf-8")
    pub = PublishedDate(published, "day" if published else "unknown", "test")
    return CleanArticle(stem, f"{stem}.txt", stem, body, "text", body, OffsetMap(), pub)


def main() -> None:
    parser = load_parser(load_settings())
    total = Score()
    for stem in ARTICLES:
        gold = json.loads((FIXTURES / f"{stem}.entities.json").read_text(encoding="utf-8"))
        parsed = parser.parse([fixture_article(stem)])[0]
        pred = [asdict(e) for e in parsed.entities]
        misses: list[str] = []
        s = Score()
        score_entities(pred, gold, s, misses)
        score_entities(pred, gold, total)
        print(f"{stem}: tp={s.tp} fp={s.fp} fn={s.fn} f1={s.f1:.3f} country={s.country_share:.2f}")
        if "-v" in sys.argv:
            for m in misses:
                print("   ", m)
    print(f"TOTAL F1={total.f1:.3f} country={total.country_share:.3f}")


if __name__ == "__main__":
    main()
