"""Print the entity score on the seeds: `.venv/bin/python -m tests.nlp.run_seeds [-v]`."""

from __future__ import annotations

import sys
from dataclasses import asdict

from tests.nlp.seedkit import Score, score_entities, seed_articles

from dossier.nlp import load_parser
from dossier.settings import load_settings


def main() -> None:
    settings = load_settings()
    if "--empty" in sys.argv:
        settings.values.setdefault("nlp", {})["empty_dictionaries"] = True
    parser = load_parser(settings)
    seeds = seed_articles()
    parsed = parser.parse([a for a, _ in seeds])
    total = Score()
    for (art, gold), p in zip(seeds, parsed, strict=True):
        misses: list[str] = []
        s = Score()
        pred = [asdict(e) for e in p.entities]
        score_entities(pred, gold["entities"], s, misses)
        score_entities(pred, gold["entities"], total)
        print(f"{art.name}: tp={s.tp} fp={s.fp} fn={s.fn} f1={s.f1:.3f}")
        if "-v" in sys.argv:
            for m in misses:
                print("   ", m)
    print(f"TOTAL tp={total.tp} fp={total.fp} fn={total.fn} F1={total.f1:.3f} country={total.country_share:.3f}")


if __name__ == "__main__":
    main()
