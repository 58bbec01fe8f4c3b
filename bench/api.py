"""API and dashboard latency on a store of 100,000 events, over real HTTP to a local uvicorn.

    .venv/bin/python bench/api.py [--source BUILT.duckdb] [--events 100000] [--requests 200]

Without --source, the example corpus is built first. The bench store replicates the
source's documents, evidence, events, participants and fused tables with new ids (one
set-based INSERT ... SELECT per table and copy round, dates shifted so the timeline
spreads), builds the search index, serves it with `dossier serve`, and reports p50/p95 of
list, filter, search, event-page and dashboard requests. Targets: API p95 < 100 ms,
dashboard < 500 ms. The baseline in the same run is /api/stats (one tiny query).
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

# Tables copied per round: (table, id columns to suffix, date columns to shift).
PER_DOC = [
    ("documents", ["doc_id", "supersedes"], ["published_date"]),
    ("evidence", ["evidence_id", "doc_id"], []),
    ("events", ["event_id", "doc_id", "evidence_id"], ["date"]),
    ("event_participants", ["event_id"], []),
    ("event_evidence", ["event_id", "evidence_id"], []),
    ("figures", ["figure_id", "doc_id", "evidence_id"], ["as_of"]),
    ("quotes", ["quote_id", "doc_id", "evidence_id"], []),
]
FUSED = [
    (
        "fused_events",
        ["fused_event_id", "first_doc_id"],
        ["date", "date_start", "date_end", "first_reported"],
        {"doc_ids": "list", "evidence_ids": "list"},
    ),
    ("fused_event_members", ["fused_event_id", "event_id", "doc_id", "evidence_id"], ["date", "published_date"], {}),
    ("fused_event_participants", ["fused_event_id"], [], {}),
    ("dyad_events", ["fused_event_id"], ["month"], {}),
]


def _columns(con: object, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]  # type: ignore[attr-defined]


def _replicate(con: object, table: str, ids: list[str], dates: list[str], lists: dict[str, str], rounds: int) -> None:
    cols = _columns(con, table)
    exprs = []
    for c in cols:
        q = f'"{c}"'
        if c in ids:
            exprs.append(f"CASE WHEN {q} IS NULL THEN NULL ELSE {q} || '~' || r.i END")
        elif c in dates:
            exprs.append(f"{q} + to_months(CAST(r.i % 36 AS INTEGER))")
        elif c in lists:
            exprs.append(f"list_transform({q}, lambda x: x || '~' || r.i)")
        else:
            exprs.append(q)
    con.execute(  # type: ignore[attr-defined]
        f"INSERT INTO {table} SELECT {', '.join(exprs)} FROM {table} t, range(1, {rounds}) r(i) "
        f"WHERE NOT contains(CAST(t.{cols[0]} AS VARCHAR), '~')"
    )


def make_store(source: Path, target: Path, events: int) -> int:
    """Copy `source` to `target` and replicate it until it holds at least `events` events."""
    import duckdb

    from dossier.serve.search import build_index
    from dossier.store import open_store

    shutil.copy(source, target)
    con = open_store(target)
    con.execute("SET enable_progress_bar = false")
    base = con.execute("SELECT count(*) FROM events").fetchone()[0]
    if not base:
        raise SystemExit(f"{source} has no events to replicate; build a corpus with events first")
    rounds = -(-events // base)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    con.execute("BEGIN")
    for table, ids, dates in PER_DOC:
        _replicate(con, table, ids, dates, {}, rounds)
    for table, ids, dates, lists in FUSED:
        if table in tables:
            _replicate(con, table, ids, dates, lists, rounds)
    if "dyad_monthly" in tables:
        con.execute("DELETE FROM dyad_monthly")
        con.execute(
            "INSERT INTO dyad_monthly SELECT level, actor, any_value(actor_name), target, any_value(target_name), "
            "month, type, count(*)::INTEGER, sum(weight) FROM dyad_events GROUP BY ALL"
        )
    con.execute("COMMIT")
    build_index(con)
    total = con.execute("SELECT count(*) FROM events").fetchone()[0]
    con.close()
    del duckdb
    return int(total)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _time(client: httpx.Client, path: str, n: int) -> list[float]:
    client.get(path)  # warm-up
    out = []
    for _ in range(n):
        t = time.perf_counter()
        r = client.get(path)
        out.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (path, r.status_code, r.text[:200])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, help="a built store to replicate (default: build examples/corpus)")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="requests per endpoint")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dossier-bench-api-"))
    try:
        source = args.source
        if source is None:
            source = work / "corpus.duckdb"
            subprocess.run(
                [str(BIN / "dossier"), "build", str(REPO / "examples" / "corpus"), "--db", str(source)],
                check=True,
                capture_output=True,
            )
        db = work / "bench.duckdb"
        t = time.perf_counter()
        n_events = make_store(source, db, args.events)
        print(
            f"store: {n_events:,} events in {db.stat().st_size / 1e6:.0f} MB, made in {time.perf_counter() - t:.1f} s"
        )
        port = _free_port()
        proc = subprocess.Popen(
            [str(BIN / "dossier"), "serve", "--db", str(db), "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
                for _ in range(300):
                    try:
                        if client.get("/api/stats").status_code == 200:
                            break
                    except httpx.TransportError:
                        time.sleep(0.2)
                first = client.get("/api/events", params={"limit": 1}).json()["items"][0]
                actor = (first["actors"] or ["Russia"])[0]
                cases = [
                    ("baseline /api/stats", "/api/stats"),
                    ("list /api/events", "/api/events?limit=50"),
                    ("list deep page", "/api/events?limit=50&offset=50000"),
                    (
                        "filter actor+type+dates",
                        f"/api/events?actor={actor}&type={first['type']}&since=2021-01-01&until=2023-12-31&limit=50",
                    ),
                    ("list /api/entities", "/api/entities?limit=50"),
                    ("list /api/figures", "/api/figures?limit=50"),
                    ("list /api/documents", "/api/documents?limit=50"),
                    ("search documents", "/api/search?q=junta+military"),
                    ("search evidence", "/api/search?q=Russia&scope=evidence"),
                    ("search phrase", "/api/search?q=%22air+strikes%22"),
                    ("event page", f"/events/{first['fused_event_id']}"),
                    ("dashboard /", "/"),
                ]
                print(f"{'request':28} {'p50 ms':>8} {'p95 ms':>8} {'x baseline p95':>15}")
                base_p95 = None
                for name, path in cases:
                    n = args.requests if name != "dashboard /" else max(20, args.requests // 5)
                    ms = sorted(_time(client, path, n))
                    p50, p95 = statistics.median(ms), ms[int(0.95 * (len(ms) - 1))]
                    base_p95 = base_p95 or p95
                    print(f"{name:28} {p50:8.1f} {p95:8.1f} {p95 / base_p95:15.1f}")
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
