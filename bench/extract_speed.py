"""Cost of the extract stage (events, figures, quotes) against bare spaCy, in one run.

    .venv/bin/python bench/extract_speed.py [--copies 8]

Cleans the seeds and the example corpus, times spaCy `nlp.pipe` over the bodies (the
baseline), parses them with Dossier's parser, then times each extractor over the parsed
articles. The target (issue 7): the whole extract stage adds at most 25% to spaCy's time.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from dossier.clean.records import CleanArticle
from dossier.ingest import iter_documents
from dossier.ingest.records import RawDocument
from dossier.pipeline import load_models
from dossier.settings import load_settings

REPO = Path(__file__).resolve().parents[1]
SOURCES = [REPO.parent / "shared" / "seeds", REPO / "examples" / "corpus"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=8, help="times the article set is repeated")
    args = parser.parse_args()
    settings = load_settings()
    models = load_models(settings)
    articles: list[CleanArticle] = []
    for doc in iter_documents([str(p) for p in SOURCES if p.exists()], settings=settings):
        if isinstance(doc, RawDocument):
            try:
                articles.append(models.cleaner.clean(doc))
            except Exception:  # noqa: BLE001 - broken and non-English inputs are not part of this bench
                continue
    articles *= args.copies
    bodies = [a.body for a in articles]
    nlp = models.parser.nlp  # type: ignore[attr-defined]

    start = time.perf_counter()
    for _ in nlp.pipe(bodies, batch_size=32):
        pass
    spacy_s = time.perf_counter() - start
    parsed = models.parser.parse(articles)

    costs = {}
    for name in ("events", "figures", "quotes"):
        extractor = getattr(models.extractor, name)
        start = time.perf_counter()
        for article in parsed:
            extractor.extract(article)
        costs[name] = time.perf_counter() - start
    words = sum(len(b.split()) for b in bodies)
    print(f"{len(articles)} articles, {words} words; bare spaCy nlp.pipe: {spacy_s:.2f} s")
    for name, seconds in costs.items():
        print(f"  {name:8s} {seconds:7.3f} s  = {seconds / spacy_s:6.1%} of spaCy")
    total = sum(costs.values())
    print(f"  extract  {total:7.3f} s  = {total / spacy_s:6.1%} of spaCy (target: at most 25%)")


if __name__ == "__main__":
    main()
