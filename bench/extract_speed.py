"""Cost of the extract stage (events, figures, quotes) and of the whole worker against bare spaCy.

    .venv/bin/python bench/extract_speed.py [--copies 8] [--reps 2] [PATH ...]

Cleans the articles under PATH (default: the seeds and the example corpus), times bare
spaCy `nlp.pipe` (the model as shipped, batch_size 32) over the bodies (the baseline),
parses them with Dossier's parser, then times each extractor over the parsed articles.
The target (issue 7): the whole extract stage adds at most 25% to spaCy's time.
It then times the whole per-document pipeline of a worker, `process_batch` (clean -> nlp
-> extract) in 32-document batches, against bare spaCy in alternating rounds (CPU time,
best of --reps; the machine is shared): the target of issue 10 is at most 1.25x spaCy.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import spacy

from dossier.clean.records import CleanArticle
from dossier.ingest import iter_documents
from dossier.ingest.records import RawDocument
from dossier.nlp import MODEL
from dossier.pipeline import load_models, process_batch
from dossier.settings import load_settings

REPO = Path(__file__).resolve().parents[1]
SOURCES = [REPO.parent / "shared" / "seeds", REPO / "examples" / "corpus"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=8, help="times the article set is repeated")
    parser.add_argument("--reps", type=int, default=2, help="rounds of the worker comparison")
    parser.add_argument("paths", nargs="*", type=Path, help="article files or folders")
    args = parser.parse_args()
    settings = load_settings()
    models = load_models(settings)
    articles: list[CleanArticle] = []
    raws: list[RawDocument] = []
    for doc in iter_documents([str(p) for p in (args.paths or SOURCES) if p.exists()], settings=settings):
        if isinstance(doc, RawDocument):
            raws.append(doc)
            try:
                articles.append(models.cleaner.clean(doc))
            except Exception:  # noqa: BLE001 - broken and non-English inputs are not part of this bench
                continue
    articles *= args.copies
    bodies = [a.body for a in articles]
    nlp = spacy.load(MODEL)  # bare: Dossier's parser replaces the attribute_ruler

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

    raws *= args.copies
    texts = [a.body for a in articles]
    bare, ours = [], []
    for _ in range(max(1, args.reps)):
        start = time.process_time()
        for _ in nlp.pipe(texts, batch_size=32):
            pass
        bare.append(time.process_time() - start)
        start = time.process_time()
        for i in range(0, len(raws), 32):
            process_batch(raws[i:i + 32], models)
        ours.append(time.process_time() - start)
    print(f"worker process_batch over {len(raws)} documents: {min(ours):.2f} s CPU; bare spaCy over the "
          f"{len(texts)} bodies: {min(bare):.2f} s CPU; ratio {min(ours) / min(bare):.3f} (target: at most 1.25)")


if __name__ == "__main__":
    main()
