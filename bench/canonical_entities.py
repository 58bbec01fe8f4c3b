"""Canonical entities for the fusion refresh: the SQL walk against holding them in Python.

    .venv/bin/python bench/canonical_entities.py [--entities 100000,1000000] [--out bench/out/canonical.json]

For each size, a store table of that many entities (30% merged, chains up to three long)
is made in a fresh process; then, each in its own process, the refresh's way
(`CANONICAL_ENTITIES_SQL` into a table, as `fuse_entity_canon` is filled) and the previous
release's (every entity read into a Python dict and each merge chain walked there). Reported:
seconds and the peak RSS each adds over the process with the table open, and their ratios.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

REPO = Path(__file__).resolve().parents[1]
MEMORY_LIMIT = "256MB"  # the driver's cap at the end of a build


def make_store(path: Path, n: int) -> None:
    """Entities e0..e(n-1); 3 in 10 (past the first 10) merged into the entity of half their number."""
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE entities AS SELECT 'e' || i AS entity_id, 'Name ' || i AS name, 'ORG' AS type, "
        "CASE WHEN i % 3 = 0 THEN 'MMR' END AS country, "
        "CASE WHEN i % 10 < 3 AND i > 10 THEN 'e' || (i // 2) END AS merged_into FROM range(?) t(i)",
        [n],
    )
    con.close()


def python_walk(con: duckdb.DuckDBPyConnection) -> int:
    """The previous release's way: every entity in a dict, merge chains followed in Python."""
    rows = con.execute("SELECT entity_id, name, country, merged_into FROM entities").fetchall()
    info = {r[0]: (r[1], r[2]) for r in rows}
    into = {r[0]: r[3] for r in rows if r[3]}
    out: dict[str, tuple[str, str, str | None]] = {}
    for entity_id in info:
        seen, cur = {entity_id}, entity_id
        while cur in into and into[cur] in info and into[cur] not in seen:
            cur = into[cur]
            seen.add(cur)
        out[entity_id] = (cur, *info[cur])
    return len(out)


def sql_walk(con: duckdb.DuckDBPyConnection) -> int:
    from dossier.fuse.inputs import CANONICAL_ENTITIES_SQL

    con.execute(f"CREATE TEMP TABLE canon AS {CANONICAL_ENTITIES_SQL}")
    row = con.execute("SELECT count(*) FROM canon").fetchone()
    return int(row[0]) if row else 0


def child(db: str, way: str) -> dict[str, Any]:
    con = duckdb.connect(db, read_only=way == "python", config={"memory_limit": MEMORY_LIMIT})
    con.execute("SELECT count(*) FROM entities").fetchone()
    import dossier.fuse.inputs  # noqa: F401  (imports before the baseline reading)

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    n = python_walk(con) if way == "python" else sql_walk(con)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"way": way, "entities": n, "seconds": round(seconds, 2), "added_peak_mb": round(peak - base, 1)}


def run_child(db: Path, way: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--child", str(db), way], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        sys.exit(f"{way} walk failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entities", type=lambda v: [int(x) for x in v.split(",")], default=[100_000, 1_000_000])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "canonical.json")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    results = []
    with tempfile.TemporaryDirectory(prefix="dossier-canon-") as tmp:
        for n in args.entities:
            db = Path(tmp) / f"e{n}.duckdb"
            make_store(db, n)
            ways = {way: run_child(db, way) for way in ("python", "sql")}
            results.append({
                "entities": n, **{f"{w}_{k}": v[k] for w, v in ways.items() for k in ("seconds", "added_peak_mb")},
                "time_ratio_sql_vs_python": round(ways["sql"]["seconds"] / ways["python"]["seconds"], 2),
            })
            print(json.dumps(results[-1]), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
