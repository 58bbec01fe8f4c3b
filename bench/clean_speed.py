"""Cost of Dossier's clean stage on HTML against bare `trafilatura.extract`, same pages, same run.

    .venv/bin/python bench/clean_speed.py [--set scrapinghub|trafilatura|dates] [--limit N] [--rounds R]

Each page is timed once with each system, in alternation, in CPU time of this process (the
machine is shared, so wall time mostly measures other jobs); the pages are split into R rounds;
the report gives ms/page for each and the ratio Dossier / trafilatura (target: <= 1.2).
A warm-up on another set loads models and lazy imports for both.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import statistics
import time

import trafilatura

from dossier.clean import load_cleaner
from dossier.errors import InputError
from dossier.evaluate.clean_sets import default_root, pages
from dossier.ingest.records import RawDocument
from dossier.settings import load_settings


def main() -> None:
    """Run the benchmark and print one line per round and a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="scrapinghub", choices=["scrapinghub", "trafilatura", "dates"])
    parser.add_argument("--limit", type=int, default=180)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    cleaner = load_cleaner(load_settings())
    docs = [
        RawDocument(hashlib.sha256(p.html.encode("utf-8", "replace")).hexdigest(), p.key, p.key, p.html, "html",
                    "utf-8", len(p.html))
        for p in pages(args.set, default_root(), args.limit)
    ]

    def ours(doc: RawDocument) -> None:
        with contextlib.suppress(InputError):
            cleaner.analyse(doc, check_language=False)

    # Warm-up on pages of another set: lazy imports and models load, but no cache holds the
    # timed pages (htmldate memoises its work per page, so a second pass would flatter it).
    warm = "trafilatura" if args.set != "trafilatura" else "scrapinghub"
    for page in pages(warm, default_root(), 10):
        trafilatura.extract(page.html)
        ours(RawDocument("w", "w", "w", page.html, "html", "utf-8", len(page.html)))
    ratios = []
    chunks = [docs[i :: args.rounds] for i in range(args.rounds)]
    for rnd, chunk in enumerate(chunks):
        t_bare = t_ours = 0.0
        for i, doc in enumerate(chunk):
            # Alternate which system goes first, so neither always meets a warm CPU cache.
            order = (0, 1) if i % 2 == 0 else (1, 0)
            for which in order:
                t0 = time.process_time()
                if which == 0:
                    trafilatura.extract(doc.raw)
                    t_bare += time.process_time() - t0
                else:
                    ours(doc)
                    t_ours += time.process_time() - t0
        ratio = t_ours / t_bare
        ratios.append(ratio)
        print(f"round {rnd + 1} ({len(chunk)} pages, each seen once): trafilatura.extract "
              f"{t_bare / len(chunk) * 1000:.1f} ms/page, dossier clean {t_ours / len(chunk) * 1000:.1f} ms/page, "
              f"ratio {ratio:.3f}")
    print(f"{len(docs)} pages of {args.set}, {args.rounds} rounds: median ratio dossier/trafilatura "
          f"{statistics.median(ratios):.3f} (target <= 1.2)")


if __name__ == "__main__":
    main()
