"""Cost of `dossier.fuse.refresh` as the store grows: full refresh, and adding 100 documents.

Builds the fuse test fixture articles (tests/fixtures/fuse/articles.toml) replicated until the
store holds N documents: every replica is a distinct document with its own ids, a body that
differs by one line (so every replica is a near-duplicate of the others: the worst case for
the duplicate stage, one LSH bucket per band holding N/12 documents) and dates shifted by
3 years per replica (so its events do not all fuse). Rows are written as the per-article
stages would, in bulk. Then it times, in the same run and on the same machine:
- a full refresh of the N-document store (`force=True`);
- a no-op refresh (unchanged inputs);
- an incremental refresh after adding 100 more documents (the next replicas);
- the baseline: the same 100 documents refreshed in an empty store.
No timed assertions; timings are noisy on a shared machine (best of `--repeat` runs is shown).
Usage: .venv/bin/python bench/fuse_refresh.py [N ...]   (default 1200 4800 20000)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "fuse"))

from conftest import _entity_id, build_store, load_spec
from dossier.fuse import refresh
from dossier.settings import load_settings
from dossier.store import open_store

ADD = 100


def _shift(d: str | None, k: int) -> dt.date | None:
    return dt.date.fromisoformat(f"{int(d[:4]) + 3 * k:04d}{d[4:]}") if d else None


def replica_rows(spec: dict[str, Any], k: int, rows: dict[str, list[dict[str, Any]]]) -> int:
    """Append the rows of replica k of every fixture article; return the number of documents."""
    ents = spec["entities"]
    for art in spec["articles"]:
        body = art["body"] + f"\nReplica {k}."
        doc_id = hashlib.sha256(body.encode()).hexdigest()
        rows["documents"].append({
            "doc_id": doc_id, "source": f"/corpus/r{k}_{art['name']}", "name": f"r{k}_{art['name']}",
            "status": "ok", "raw": body, "body": body, "title": body.split("\n")[0][:80], "outlet": art["outlet"],
            "published_date": _shift(art.get("published"), k),
            "published_precision": "day" if art.get("published") else "unknown",
        })

        def evidence(text: str, tag: str, body: str = body, doc_id: str = doc_id) -> str:
            start = body.index(text)
            ev_id = f"{doc_id}:{tag}"
            rows["evidence"].append({"evidence_id": ev_id, "doc_id": doc_id, "start": start, "end": start + len(text),
                                     "body_start": start, "body_end": start + len(text), "text": text})
            return ev_id

        for i, ev in enumerate(art.get("events", [])):
            event_id = f"{doc_id}:ev{i}"
            ev_id = evidence(ev["evidence"], f"e{i}")
            rows["events"].append({
                "event_id": event_id, "doc_id": doc_id, "type": ev["type"], "mode": ev.get("mode"),
                "date": _shift(ev.get("date"), k), "precision": ev["precision"], "place": ev.get("place"),
                "negated": bool(ev.get("negated", False)), "source": ev.get("source"), "trigger": "fixture",
                "pattern": "fixture", "date_rule": "fixture", "evidence_id": ev_id,
            })
            rows["event_evidence"].append({"event_id": event_id, "position": 0, "evidence_id": ev_id})
            for role in ("actors", "targets"):
                for pos, name in enumerate(ev.get(role, [])):
                    ent = ents.get(name)
                    rows["event_participants"].append({
                        "event_id": event_id, "role": role[:-1], "position": pos, "name": name,
                        "doc_entity_id": f"{doc_id}:{name}" if ent else None,
                        "entity_id": _entity_id(name, ent["type"]) if ent else None,
                    })
        for i, fig in enumerate(art.get("figures", [])):
            ev_id = evidence(fig["evidence"], f"f{i}")
            rows["figures"].append({
                "figure_id": f"{doc_id}:fig{i}", "doc_id": doc_id, "value": float(fig["value"]),
                "qualifier": fig.get("qualifier"), "unit": fig.get("unit"), "category": fig["category"],
                "subject": fig.get("subject"), "source": None, "as_of": _shift(fig.get("as_of"), k),
                "as_of_precision": fig["precision"], "surface": str(fig["value"]), "evidence_id": ev_id,
            })
    return len(spec["articles"])


def add_replicas(con: Any, spec: dict[str, Any], first: int, n_docs: int) -> int:
    """Insert replicas from `first` on until `n_docs` documents were added (bulk, one transaction)."""
    tables = ("documents", "evidence", "events", "event_evidence", "event_participants", "figures")
    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in tables}
    k, added = first, 0
    while added < n_docs:
        added += replica_rows(spec, k, rows)
        k += 1
    extra = added - n_docs  # trim the last replica to exactly n_docs documents
    if extra:
        keep = {r["doc_id"] for r in rows["documents"][: len(rows["documents"]) - extra]}
        rows = {t: [r for r in rs if r["doc_id" if "doc_id" in r else "event_id"].split(":")[0] in keep]
                for t, rs in rows.items()}
    con.execute("BEGIN")
    for table in tables:
        if rows[table]:
            con.register("_bench_rows", pa.Table.from_pylist(rows[table]))
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _bench_rows")
            con.unregister("_bench_rows")
    con.execute("COMMIT")
    return k


def timed(con: Any, settings: Any, **kw: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    report = refresh(con, settings, **kw)
    return time.perf_counter() - t, report


def main(sizes: list[int]) -> None:
    settings = load_settings()
    spec = load_spec()
    with tempfile.TemporaryDirectory() as tmp:
        base_path = build_store(Path(tmp) / "base.duckdb", [])
        con = open_store(base_path)
        add_replicas(con, spec, 2500, ADD)  # far-off replicas: the same kind of documents
        base, _ = timed(con, settings)
        con.close()
    print(f"baseline: {ADD} documents refreshed in an empty store: {base:.2f} s")
    print(f"{'docs':>7} {'events':>7} {'full s':>7} {'noop s':>7} {'+' + str(ADD) + ' docs s':>11} "
          f"{'vs baseline':>11} {'mode':>12}")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = build_store(Path(tmp) / "b.duckdb", [])
            con = open_store(path)
            nxt = add_replicas(con, spec, 0, n)
            full, report = timed(con, settings, force=True)
            noop, _ = timed(con, settings)
            add_replicas(con, spec, nxt, ADD)
            inc, inc_report = timed(con, settings)
            con.close()
            print(f"{report.documents:>7} {report.events:>7} {full:>7.2f} {noop:>7.3f} {inc:>11.2f} "
                  f"{inc / base:>10.2f}x {inc_report.mode:>12}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1200, 4800, 20000])
