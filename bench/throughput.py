"""Throughput of `dossier build` against bare spaCy `nlp.pipe` on the same texts, in one run.

Corpus: the single-document files of examples/corpus (or ../shared/seeds when it is
missing) replicated to --docs documents, each copy given a distinct content hash by a
unique marker line, plus the ScrapingHub benchmark pages under ../shared/external when
present. Dossier runs the whole pipeline into a fresh DuckDB file (models loaded before
the clock starts); spaCy then parses the bodies Dossier stored, with the same model.

    .venv/bin/python bench/throughput.py [--docs 2000] [--no-external]
"""

from __future__ import annotations

import argparse
import gzip
import resource
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import duckdb
import psutil

from dossier.ingest.records import RawDocument
from dossier.pipeline import PipelineModels
from dossier.scale.executor import run_pipeline
from dossier.store.rows import PreparedBatch

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SINGLE_DOC_SUFFIXES = (".txt", ".html", ".htm")


def _sources() -> list[Path]:
    corpus = REPO / "examples" / "corpus"
    files = sorted(p for p in corpus.glob("*") if p.suffix in SINGLE_DOC_SUFFIXES) if corpus.is_dir() else []
    if not files:
        files = sorted((SHARED / "seeds").glob("*.txt"))
    if not files:
        sys.exit("no corpus: examples/corpus and ../shared/seeds are both missing")
    return files


def _mark(data: str, i: int, html: bool) -> str:
    marker = f"dossier-bench copy {i}"
    if html and "</body>" in data:
        return data.replace("</body>", f"<!-- {marker} --></body>", 1)
    return data + f"\n\n{marker}\n"


def make_corpus(folder: Path, n_docs: int, *, external: bool) -> int:
    """Write the bench corpus into `folder`; return how many files were written."""
    sources = [(p.name, p.read_text(encoding="utf-8", errors="replace")) for p in _sources()]
    # Broken example inputs (empty, truncated) stay in: failure accounting is part of the cost.
    written = 0
    for i in range(n_docs):
        name, text = sources[i % len(sources)]
        out = folder / f"{i:06d}_{name}"
        out.write_text(_mark(text, i, name.endswith((".html", ".htm"))) if text.strip() else text, encoding="utf-8")
        written += 1
    pages = SHARED / "external" / "scrapinghub-article-extraction-benchmark" / "html"
    if external and pages.is_dir():
        for page in sorted(pages.glob("*.html.gz")):
            (folder / f"ext_{page.name.removesuffix('.gz')}").write_bytes(gzip.decompress(page.read_bytes()))
            written += 1
    return written


class _Preloaded:
    """The serial executor over models loaded before the clock starts."""

    def __init__(self, models: PipelineModels) -> None:
        self.models = models

    def run(self, batches: Iterable[Sequence[RawDocument]]) -> Iterator[PreparedBatch]:
        for batch in batches:
            yield run_pipeline(batch, self.models)

    def close(self) -> None:
        pass


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000, help="replicated example documents (default 2000)")
    parser.add_argument("--no-external", action="store_true", help="leave out ../shared/external pages")
    parser.add_argument("--batch-size", type=int, default=None, help="override build.batch_size")
    args = parser.parse_args(argv)

    import spacy

    from dossier.build import build
    from dossier.nlp import MODEL
    from dossier.pipeline import load_models
    from dossier.settings import Settings, load_settings

    settings = load_settings()
    if args.batch_size:
        settings = Settings({**settings.values, "build": {**settings.values.get("build", {}),
                                                          "batch_size": args.batch_size}}, settings.extra_files)
    with tempfile.TemporaryDirectory(prefix="dossier-bench-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        n_files = make_corpus(corpus, args.docs, external=not args.no_external)
        db = Path(tmp) / "bench.duckdb"

        t0 = time.perf_counter()
        models = load_models(settings)
        load_s = time.perf_counter() - t0
        rss_before = psutil.Process().memory_info().rss / 2**20
        report = build([corpus], db=db, settings=settings, executor=_Preloaded(models))
        dossier_rss = _peak_rss_mib()

        con = duckdb.connect(str(db), read_only=True)
        bodies = [b for (b,) in con.execute("SELECT body FROM documents WHERE status = 'ok' ORDER BY doc_id")
                  .fetchall()]
        con.close()
        del models

        nlp = spacy.load(MODEL)
        t0 = time.perf_counter()
        words = sum(len(doc) for doc in nlp.pipe(bodies))
        spacy_s = time.perf_counter() - t0
        total_rss = _peak_rss_mib()

    ok = report.ok
    dossier_s = report.seconds
    print(f"corpus: {n_files} files ({args.docs} replicated examples"
          f"{'' if args.no_external else ' + external pages'}); {ok} ok, {report.failed} failed, "
          f"{report.skipped} skipped; {words:,} words in the stored bodies")
    print(f"dossier build : {dossier_s:8.1f} s  {report.processed / dossier_s:8.2f} docs/s  "
          f"{words / dossier_s:10.0f} words/s   (models loaded once before: {load_s:.1f} s)")
    print(f"spaCy nlp.pipe: {spacy_s:8.1f} s  {len(bodies) / spacy_s:8.2f} docs/s  {words / spacy_s:10.0f} words/s"
          f"   (same {len(bodies)} bodies, {MODEL})")
    print(f"ratio Dossier/spaCy throughput (words/s): {spacy_s / dossier_s:.3f}  "
          f"(Dossier takes {dossier_s / spacy_s:.2f}x spaCy's time)")
    print(f"peak RSS: {dossier_rss:.0f} MiB after the build (models loaded: {rss_before:.0f} MiB), "
          f"{total_rss:.0f} MiB for the whole run")
    print(f"extracted: {report.entities} entities, {report.events} events, {report.figures} figures, "
          f"{report.quotes} quotes")


if __name__ == "__main__":
    main()
