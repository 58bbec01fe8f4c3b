"""Cost of `canonicalize_pending` for one 32-document batch as the store grows.

Builds stores of N documents without spaCy: `doc_entities` rows are generated in SQL from
name pools (recurring countries and organisations with dictionary ids or abbreviations,
people from ~40 first-name spellings x 6,000 surnames drawn with a head-heavy skew, some
with a transliterated spelling or a title, towns, companies), about 12 rows per document,
plus 4 `event_participants` rows and one quote per document, so the assignment updates
touch tables of realistic size. Each store is canonicalised once (one pass over all rows),
then, in the same run and on the same machine, it times:
- `canonicalize_pending` after each of `--batches` batches of 32 new documents (median wall
  time, and median CPU time of this process, which a busy machine disturbs less);
- the baseline: the same kind of 32-document batch into an empty store;
- with `--legacy`, one batch with the first implementation (full recompute per batch,
  tests/resolve/legacy_canonical.py), for comparison.
It also shows the peak Python allocation during one batch (tracemalloc). No timed
assertions; timings are noisy on a shared machine.
Usage: .venv/bin/python bench/resolve_scale.py [N ...] [--batches 5] [--legacy]
       (default N: 1000 5000 20000)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import duckdb
import pyarrow as pa

from dossier.resolve import canonicalize_pending
from dossier.settings import Settings, load_settings
from dossier.store.connection import open_store

BATCH = 32
ENTITIES_PER_DOC = 12

FIRST = ["Aleksandr", "Alexander", "Aleksander", "Sergei", "Sergey", "Mohammed", "Muhammad", "Mohamed",
         "Yevgeny", "Evgeny", "Dmitry", "Dmitri", "Maria", "Mariya", "Anna", "John", "Min", "Soe", "Aung",
         "Kyaw", "Thant", "Li", "Wang", "Ivan", "Olga", "Ahmed", "Ahmad", "Fatima", "Carlos", "Ana", "Nikolai",
         "Nikolay", "Yuri", "Yury", "Andrei", "Andrey", "Mikhail", "Michael", "Hla", "Zaw"]
COUNTRIES = [("Russia", "RUS"), ("Myanmar", "MMR"), ("China", "CHN"), ("India", "IND"), ("Ukraine", "UKR"),
             ("United States", "USA"), ("Thailand", "THA"), ("Belarus", "BLR"), ("Iran", "IRN"),
             ("North Korea", "PRK"), ("Japan", "JPN"), ("France", "FRA"), ("Germany", "DEU"),
             ("Bangladesh", "BGD"), ("Laos", "LAO"), ("Vietnam", "VNM")]
ORGS = ["National Unity Government", "NUG", "Arakan Liberation Party", "ALP", "United Nations", "UN",
        "Union Solidarity and Development Party", "USDP", "Rosoboronexport", "Ministry of Defence",
        "State Administration Council", "SAC", "Kachin Independence Army", "KIA", "Tatmadaw", "TASS",
        "Reuters", "Human Rights Watch", "Amnesty International", "European Union", "EU"]
ORG_KINDS = ["Holdings", "Group", "Bank", "Corporation", "Foundation", "Institute", "Front", "Council"]
TITLES = ["", "", "", "Gen. ", "Minister ", "Dr. "]


def _surnames(n: int) -> list[str]:
    """n distinct made-up surnames from syllables (deterministic)."""
    heads = ["ka", "lo", "mi", "ra", "te", "vo", "zu", "shi", "no", "ba", "de", "gor", "lev", "min", "pet",
             "sor", "tan", "vin", "yak", "zha", "bel", "dor", "fed", "kal", "mar", "nik", "ost", "rom", "sav"]
    mids = ["", "ra", "li", "no", "ve", "ki", "do", "sha", "ta", "mu", "ro", "ze"]
    tails = ["ov", "in", "sky", "enko", "ez", "son", "ard", "ovich", "aw", "ein", "ani", "yev", "ic", "ura"]
    out = [(h + m + t).capitalize() for h in heads for m in mids for t in tails]
    return out[:n]


def _pools(con: duckdb.DuckDBPyConnection) -> None:
    surnames = _surnames(6000)
    towns = [s[:-2] + "taw" if len(s) > 5 else s + "pur" for s in surnames[::7]]
    con.register("_pool_src", pa.table({
        "first": [FIRST], "surname": [surnames], "town": [towns], "title": [TITLES], "org": [ORGS],
        "org_kind": [ORG_KINDS], "country": [[c for c, _ in COUNTRIES]], "iso3": [[i for _, i in COUNTRIES]],
    }))
    con.execute("CREATE OR REPLACE TEMP TABLE _pool AS SELECT * FROM _pool_src")
    con.unregister("_pool_src")


# One row per (document, slot): slots 0-2 countries, 3-4 organisations, 5 a company,
# 6-10 people, 11 a town. `pick(h, n)` draws an index in [1, n] with a head-heavy skew.
_GEN = """
INSERT INTO doc_entities (doc_entity_id, doc_id, key, name, type, country, sector, aliases, roles, dictionary_id)
WITH g AS (
    SELECT d, k, hash(d, k, 'bench') AS h, 'bench' || lpad(d::VARCHAR, 8, '0') AS doc_id
    FROM range($lo, $hi) t(d), range(12) s(k)
), n AS (
    SELECT g.*, p.*,
        1 + floor(power((h % 100003) / 100003.0, 2) * len(p.surname))::INTEGER AS si,
        1 + ((h >> 20) % len(p.first))::INTEGER AS fi,
        1 + ((h >> 30) % len(p.iso3))::INTEGER AS ci
    FROM g, _pool p
), e AS (
    SELECT doc_id, k, ci, iso3,
        CASE
            WHEN k <= 2 THEN country[ci]
            WHEN k <= 4 THEN org[1 + ((h >> 12) % len(org))::INTEGER]
            WHEN k = 5 THEN surname[si] || ' ' || org_kind[1 + ((h >> 40) % len(org_kind))::INTEGER]
            WHEN k <= 10 THEN title[1 + ((h >> 44) % len(title))::INTEGER] || first[fi] || ' ' ||
                CASE WHEN (h >> 50) % 9 = 0 THEN replace(replace(surname[si], 'sky', 'ski'), 'v', 'w')
                     ELSE surname[si] END
            ELSE town[1 + ((h >> 8) % len(town))::INTEGER]
        END AS name,
        CASE WHEN k <= 2 THEN 'GPE' WHEN k <= 5 THEN 'ORG' WHEN k <= 10 THEN 'PERSON' ELSE 'GPE' END AS type,
        h
    FROM n
)
SELECT doc_id || ':e' || k, doc_id, 'e' || k, name, type,
    CASE WHEN k <= 2 THEN iso3[ci] WHEN (h >> 36) % 4 = 0 THEN NULL ELSE iso3[1 + ((h >> 52) % 3)::INTEGER] END,
    NULL, [name], CASE WHEN k BETWEEN 6 AND 10 AND (h >> 56) % 5 = 0 THEN ['minister'] ELSE [] END,
    CASE WHEN k <= 2 THEN iso3[ci] ELSE NULL END
FROM e
"""

_FACTS = """
INSERT INTO event_participants (event_id, role, position, name, doc_entity_id, entity_id)
SELECT 'bench' || lpad(d::VARCHAR, 8, '0') || ':ev' || (k % 2), CASE WHEN k < 8 THEN 'actor' ELSE 'target' END,
       k, 'x', 'bench' || lpad(d::VARCHAR, 8, '0') || ':e' || k, NULL
FROM range($lo, $hi) t(d), range(6, 10) s(k);
INSERT INTO quotes (quote_id, doc_id, speaker, speaker_doc_entity_id, target, target_doc_entity_id, stance, text,
                    direct, evidence_id)
SELECT 'bench' || lpad(d::VARCHAR, 8, '0') || ':q0', 'bench' || lpad(d::VARCHAR, 8, '0'), 'x',
       'bench' || lpad(d::VARCHAR, 8, '0') || ':e6', 'y', 'bench' || lpad(d::VARCHAR, 8, '0') || ':e7',
       'neutral', 'text', true, 'ev'
FROM range($lo, $hi) t(d);
"""


def add_documents(con: duckdb.DuckDBPyConnection, lo: int, hi: int) -> None:
    """Write the rows of documents lo..hi-1, as the store writer would after a batch."""
    con.execute(_GEN.replace("$lo", str(lo)).replace("$hi", str(hi)))
    con.execute(_FACTS.replace("$lo", str(lo)).replace("$hi", str(hi)))


def _legacy_batch(con: duckdb.DuckDBPyConnection, settings: Settings) -> float:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "resolve"))
    import legacy_canonical  # the first implementation, kept as the tests' oracle

    t0 = time.perf_counter()
    legacy_canonical.canonicalize_pending(con, settings)
    return time.perf_counter() - t0


def measure(n: int, batches: int, legacy: bool, settings: Settings, tmp: Path) -> dict[str, float]:
    """Times for one store size (seconds), and the peak Python allocation of a batch (MiB)."""
    con = open_store(tmp / f"resolve_{n}.duckdb")
    _pools(con)
    add_documents(con, 0, n)
    t0 = time.perf_counter()
    canonicalize_pending(con, settings)
    one_pass = time.perf_counter() - t0
    times, cpu = [], []
    next_doc = n
    for _ in range(batches):
        add_documents(con, next_doc, next_doc + BATCH)
        next_doc += BATCH
        t0, c0 = time.perf_counter(), time.process_time()
        canonicalize_pending(con, settings)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    add_documents(con, next_doc, next_doc + BATCH)
    next_doc += BATCH
    tracemalloc.start()
    canonicalize_pending(con, settings)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    got = {"rows": float(con.execute("SELECT count(*) FROM doc_entities").fetchone()[0]),  # type: ignore[index]
           "bases": float(con.execute("SELECT count(*) FROM resolve_bases").fetchone()[0]),  # type: ignore[index]
           "one_pass": one_pass, "batch": statistics.median(times), "cpu": statistics.median(cpu),
           "peak_mib": peak}
    if legacy:
        add_documents(con, next_doc, next_doc + BATCH)
        got["legacy"] = _legacy_batch(con, settings)
    con.close()
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[1000, 5000, 20000], help="store sizes (documents)")
    ap.add_argument("--batches", type=int, default=5, help="timed batches per size (the median is shown)")
    ap.add_argument("--legacy", action="store_true", help="also time one batch of the first implementation")
    args = ap.parse_args()
    settings = load_settings()
    with tempfile.TemporaryDirectory() as tmp:
        base = measure(0, args.batches, args.legacy, settings, Path(tmp))
        print(f"batch of {BATCH} documents, {ENTITIES_PER_DOC} entities each; median of {args.batches} batches")
        head = f"{'store docs':>10} {'rows':>9} {'bases':>8} {'one pass s':>10} {'batch ms':>9} {'x empty':>8} " \
               f"{'cpu ms':>7} {'x empty':>8} {'peak MiB':>8}" + (f" {'legacy ms':>10}" if args.legacy else "")
        print(head)
        for n in [0, *args.sizes]:
            got = base if n == 0 else measure(n, args.batches, args.legacy, settings, Path(tmp))
            line = (f"{n:>10} {got['rows']:>9.0f} {got['bases']:>8.0f} {got['one_pass']:>10.2f} "
                    f"{got['batch'] * 1000:>9.0f} {got['batch'] / base['batch']:>8.2f} "
                    f"{got['cpu'] * 1000:>7.0f} {got['cpu'] / base['cpu']:>8.2f} {got['peak_mib']:>8.1f}")
            if args.legacy:
                line += f" {got['legacy'] * 1000:>10.0f}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
