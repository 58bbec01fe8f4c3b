"""API and dashboard latency on a store of 100,000 events, over real HTTP to a local uvicorn.

    .venv/bin/python bench/api.py [--source BUILT.duckdb] [--events 100000] [--requests 200]
        [--keep STORE.duckdb | --store STORE.duckdb] [--src OTHER/src]

Without --source, the example corpus is built first. The bench store replicates the
source's documents, evidence, events, participants and fused tables with new ids (one
set-based INSERT ... SELECT per table and copy round, dates shifted so the timeline
spreads), builds the search and list indexes (`dossier.serve.build_index`, as a build
does), serves it with `dossier serve`, and reports p50/p95 of list, filter, search,
event-page and dashboard requests. Cases marked "varied" change their parameters on every
request, so no cache can answer them. Targets: API p95 < 100 ms, dashboard < 500 ms. The
baseline in the same run is /api/stats (one tiny query); the load average is printed
because the machine may be shared.

--keep saves the bench store, --store reuses one (skipping the build), --src serves it
with the `dossier` package of another source tree (e.g. an older checkout exported with
`git archive`), for before/after figures on the same store.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

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


def _count(con: object, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()  # type: ignore[attr-defined]
    return int(row[0]) if row else 0


def make_store(source: Path, target: Path, events: int) -> int:
    """Copy `source` to `target` and replicate it until it holds at least `events` events."""
    import duckdb

    from dossier.serve import build_index
    from dossier.store import open_store

    shutil.copy(source, target)
    con = open_store(target)
    con.execute("SET enable_progress_bar = false")
    base = _count(con, "events")
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
    total = _count(con, "events")
    con.close()
    del duckdb
    return int(total)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _time(client: httpx.Client, paths: str | list[str], n: int) -> list[float]:
    """Milliseconds per request; a list of paths is cycled (one warm-up request first)."""
    cycle = [paths] if isinstance(paths, str) else paths
    client.get(cycle[-1])  # warm-up
    out = []
    for i in range(n):
        path = cycle[i % len(cycle)]
        t = time.perf_counter()
        r = client.get(path)
        out.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (path, r.status_code, r.text[:200])
    return out


def _varied_dates(base: str, n: int) -> list[str]:
    start = dt.date(2021, 1, 1)
    return [f"{base}&since={start + dt.timedelta(days=i)}&until={start + dt.timedelta(days=700 + i)}" for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, help="a built store to replicate (default: build examples/corpus)")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="requests per endpoint")
    parser.add_argument("--keep", type=Path, help="save the bench store here")
    parser.add_argument("--store", type=Path, help="reuse a bench store saved with --keep")
    parser.add_argument("--src", type=Path, help="serve with the dossier package under this source folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dossier-bench-api-"))
    try:
        if args.store:
            db = work / "bench.duckdb"
            shutil.copy(args.store, db)
            print(f"store: {args.store} ({db.stat().st_size / 1e6:.0f} MB)")
        else:
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
                f"store: {n_events:,} events in {db.stat().st_size / 1e6:.0f} MB, "
                f"made and indexed in {time.perf_counter() - t:.1f} s"
            )
            if args.keep:
                shutil.copy(db, args.keep)
        run(db, args.requests, args.src)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(db: Path, requests: int, src: Path | None) -> None:
    """Serve `db` and time every case."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(src.resolve()), env.get("PYTHONPATH", "")])
    port = _free_port()
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(BIN / "dossier"), "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            for _ in range(600):
                try:
                    if client.get("/api/stats").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            origin = f"from {src}" if src else "from this tree"
            print(f"server {origin} ready in {time.perf_counter() - started:.1f} s")
            first = client.get("/api/events", params={"limit": 1}).json()["items"][0]
            actor = (first["actors"] or ["Russia"])[0]
            filtered = f"/api/events?{urlencode({'actor': actor, 'type': first['type']})}&limit=50"
            cases: list[tuple[str, str | list[str]]] = [
                ("baseline /api/stats", "/api/stats"),
                ("list /api/events", "/api/events?limit=50"),
                ("list deep page", "/api/events?limit=50&offset=50000"),
                ("filter actor+type+dates", f"{filtered}&since=2021-01-01&until=2023-12-31"),
                ("filter, varied dates", _varied_dates(filtered, requests)),
                ("filter outlet, varied", _varied_dates("/api/events?outlet=Mekong+Monitor&limit=50", requests)),
                ("list /api/entities", "/api/entities?limit=50"),
                ("list /api/figures", "/api/figures?limit=50"),
                ("figures filtered, varied", _varied_dates("/api/figures?actor=russia&limit=50", requests)),
                ("list /api/documents", "/api/documents?limit=50"),
                ("search documents", "/api/search?q=junta+military"),
                ("search evidence", "/api/search?q=Russia&scope=evidence"),
                ("search 2 frequent words", "/api/search?q=Russia+Myanmar&scope=evidence"),
                ("search phrase", "/api/search?q=%22air+strikes%22"),
                ("search page 3", "/api/search?q=junta+military&offset=40"),
                ("event page", f"/events/{first['fused_event_id']}"),
                ("dashboard /", "/"),
            ]
            print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
            print(f"{'request':28} {'p50 ms':>8} {'p95 ms':>8} {'x baseline p95':>15}")
            base_p95 = None
            for name, path in cases:
                n = requests if name != "dashboard /" else max(20, requests // 5)
                ms = sorted(_time(client, path, n))
                p50, p95 = statistics.median(ms), ms[int(0.95 * (len(ms) - 1))]
                base_p95 = base_p95 or p95
                print(f"{name:28} {p50:8.1f} {p95:8.1f} {p95 / base_p95:15.1f}")
            print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
