"""Cost of Dossier's entity, time-expression and resolution work against spaCy's own time.

Run: `.venv/bin/python bench/entities_speed.py [--docs N]`. In one run it parses the texts
with bare `nlp.pipe` (the baseline), then times, on the same docs, what the nlp stage adds
after spaCy (entity finding, coreference rules, time expressions), the title parse, and
cross-document canonicalisation into a DuckDB store. Prints each as a ratio to spaCy.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def texts() -> list[tuple[str, str]]:
    """(title, body) pairs: seed bodies, the nlp fixtures and the example corpus text files."""
    out: list[tuple[str, str]] = []
    import json

    gold_dir = REPO.parent / "shared" / "gold"
    for gp in sorted(gold_dir.glob("*.json")):
        g = json.loads(gp.read_text(encoding="utf-8"))
        raw = (REPO.parent / "shared" / "seeds" / g["article"]).read_text(encoding="utf-8")
        s = raw.index(g["body_starts_with"])
        e = raw.index(g["body_ends_with"], s) + len(g["body_ends_with"])
        out.append((g["title"] or "", raw[s:e]))
    for p in sorted((REPO / "tests" / "fixtures" / "nlp").glob("*.txt")):
        out.append(("", p.read_text(encoding="utf-8")))
    for p in sorted((REPO / "examples" / "corpus").glob("*.txt")):
        t = p.read_text(encoding="utf-8", errors="replace")
        if len(t) > 500:
            out.append(("", t))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--docs", type=int, default=300, help="documents (the texts replicated)")
    args = ap.parse_args()
    from dossier.clean.records import PublishedDate
    from dossier.nlp import load_parser
    from dossier.nlp.timex import find_timexes
    from dossier.resolve import canonicalize_pending
    from dossier.settings import load_settings
    from dossier.store.connection import open_store

    settings = load_settings()
    t0 = time.perf_counter()
    parser = load_parser(settings)
    load_s = time.perf_counter() - t0
    base = texts()
    pairs = [base[i % len(base)] for i in range(args.docs)]
    words = sum(len(b.split()) for _, b in pairs)

    # Interleave chunks of spaCy and of our work so both see the same machine load
    # (the machine is shared; timings of two separate phases drift apart).
    pub = PublishedDate("2021-06-28", "day", "bench")
    spacy_s = title_s = post_s = 0.0
    results = []
    chunk = 10
    for start in range(0, len(pairs), chunk):
        part = pairs[start:start + chunk]
        t0 = time.perf_counter()
        docs = list(parser.nlp.pipe([b for _, b in part], batch_size=parser.batch_size))
        t1 = time.perf_counter()
        title_docs = list(parser.nlp.pipe([t for t, _ in part], batch_size=64))
        t2 = time.perf_counter()
        for (_, body), doc, tdoc in zip(part, docs, title_docs, strict=True):
            ents, _ = parser.finder.find(doc, tdoc)
            find_timexes(body, pub, doc)
            results.append(ents)
        t3 = time.perf_counter()
        spacy_s += t1 - t0
        title_s += t2 - t1
        post_s += t3 - t2

    with tempfile.TemporaryDirectory() as tmp:
        con = open_store(Path(tmp) / "bench.duckdb")
        rows = []
        for n, ents in enumerate(results):
            for e in ents:
                d = asdict(e)
                rows.append([f"d{n}:{e.key}", f"d{n}", e.key, e.name, e.type, e.country, e.sector,
                             list(e.aliases), list(e.roles), d["dictionary_id"]])
        con.executemany("INSERT INTO doc_entities (doc_entity_id, doc_id, key, name, type, country, sector, "
                        "aliases, roles, dictionary_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        t0 = time.perf_counter()
        # One canonicalisation per build batch, as the driver does.
        batch = int(settings.get("build.batch_size", 32))
        con.execute("UPDATE doc_entities SET entity_id = 'x'")
        for start in range(0, args.docs, batch):
            ids = [f"d{n}" for n in range(start, min(start + batch, args.docs))]
            con.execute("UPDATE doc_entities SET entity_id = NULL WHERE doc_id IN (SELECT unnest(?))", [ids])
            canonicalize_pending(con, settings)
        resolve_s = time.perf_counter() - t0
        canon = con.execute("SELECT count(*) FROM entities WHERE merged_into IS NULL").fetchone()
        con.close()

    print(f"documents: {args.docs} ({words} words); parser load {load_s:.2f} s")
    print(f"spaCy nlp.pipe (bodies):        {spacy_s:7.2f} s  ({words / spacy_s:,.0f} words/s)  = 1.00")
    print(f"entities + timexes after spaCy: {post_s:7.2f} s  ratio {post_s / spacy_s:.3f}")
    print(f"title parse (spaCy, short):     {title_s:7.2f} s  ratio {title_s / spacy_s:.3f}")
    print(f"resolution ({batch}-doc batches):  {resolve_s:7.2f} s  ratio {resolve_s / spacy_s:.3f}")
    print(f"entity + resolution work / spaCy: {(post_s + resolve_s) / spacy_s:.3f} "
          f"(with title parse {(post_s + resolve_s + title_s) / spacy_s:.3f}); "
          f"canonical entities {canon[0] if canon else 0}")


if __name__ == "__main__":
    main()
