"""Cost of `dossier.fuse.refresh` as the store grows (set-based pass; no timed assertions).

Builds the fuse test fixture articles replicated K times (every copy a distinct document
with its own ids and a shifted year, so events do not all fuse), then times: a full
refresh, a no-op refresh (unchanged inputs), and a refresh after adding one more replica.
Reports seconds per 1,000 events. Usage: .venv/bin/python bench/fuse_refresh.py [K ...]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "fuse"))

from conftest import add_article, build_store, load_spec
from dossier.fuse import refresh
from dossier.settings import load_settings
from dossier.store import open_store


def replica(spec: dict, k: int) -> list[dict]:
    out = []
    for art in spec["articles"]:
        art = dict(art)
        art["name"] = f"r{k}_{art['name']}"
        art["body"] = art["body"] + f"\nReplica {k}."

        def shift(d: str | None) -> str | None:
            return f"{int(d[:4]) + 3 * k:04d}{d[4:]}" if d else d

        art["published"] = shift(art.get("published"))
        art["events"] = [dict(e, date=shift(e.get("date"))) for e in art.get("events", [])]
        art["figures"] = [dict(f, as_of=shift(f.get("as_of"))) for f in art.get("figures", [])]
        out.append(art)
    return out


def main(sizes: list[int]) -> None:
    settings = load_settings()
    spec = load_spec()
    print(f"{'replicas':>8} {'docs':>6} {'events':>7} {'full s':>7} {'noop s':>7} {'+1 replica s':>12}",
          f"{'s/1k events':>11}")
    for k in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = build_store(Path(tmp) / "b.duckdb", [])
            con = open_store(path)
            con.execute("BEGIN")
            for i in range(k):
                for art in replica(spec, i):
                    add_article(con, art, spec["entities"])
            con.execute("COMMIT")
            t = time.perf_counter()
            report = refresh(con, settings)
            full = time.perf_counter() - t
            t = time.perf_counter()
            refresh(con, settings)
            noop = time.perf_counter() - t
            for art in replica(spec, k):
                add_article(con, art, spec["entities"])
            t = time.perf_counter()
            refresh(con, settings)
            inc = time.perf_counter() - t
            con.close()
            print(f"{k:>8} {report.documents:>6} {report.events:>7} {full:>7.2f} {noop:>7.3f} {inc:>12.2f} "
                  f"{1000 * full / max(report.events, 1):>11.3f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10, 100, 400])
