"""Near-duplicate documents (wire copies, republications) by MinHash over word shingles.

Signatures are cached in `doc_signatures`, so a refresh hashes only new documents; their LSH
band buckets are kept in `doc_lsh`, so new documents are looked up by one hash join on their
buckets (a scan of the stored buckets), never compared with every stored document. Copies
are grouped into connected components and the group's original is its earliest-published
document (then the smallest doc_id), so the result does not depend on the order documents
were stored.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from datasketch import MinHash, MinHashLSH

from dossier.fuse.config import FuseConfig
from dossier.fuse.inputs import LiveDocs, select
from dossier.store.connection import arrow_stream

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+", re.UNICODE)
# datasketch's hashing scheme; part of the cache key, as signatures of two schemes differ.
SCHEME = "affine32"


@dataclass(frozen=True, slots=True)
class Duplicate:
    """`doc_id` is a copy of `copy_of` (the original of its group)."""

    doc_id: str
    copy_of: str
    similarity: float


def shingles(text: str, size: int) -> set[bytes]:
    """Return the set of `size`-word shingles of `text` (lower-cased words)."""
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


def signature(text: str, config: FuseConfig) -> tuple[int, np.ndarray]:
    """Return (number of shingles, MinHash hash values) of a body; deterministic by seed."""
    grams = shingles(text, config.shingle_words)
    mh = MinHash(num_perm=config.num_perm, seed=config.seed, scheme=SCHEME,
                 permutations=_permutations(config.num_perm, config.seed))
    mh.update_batch(grams)  # a minimum over the set: unsorted, the same values 15% faster
    return len(grams), mh.hashvalues


@functools.cache
def _permutations(num_perm: int, seed: int) -> np.ndarray:
    # datasketch draws them from a new RandomState(seed) for every MinHash: 40% of the time
    # of hashing the example corpus's bodies (2,000 of them: 0.86 s, 0.52 s with the cache).
    permutations: np.ndarray = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations
    return permutations


def params_key(config: FuseConfig) -> str:
    """The parameters a cached signature was made with."""
    return f"{config.num_perm}/{config.seed}/{config.shingle_words}/{SCHEME}"


def update_signatures(
    con: duckdb.DuckDBPyConnection, config: FuseConfig, *, batch: int = 500,
    after_batch: Callable[[], None] | None = None,
) -> int:
    """Hash the bodies of documents without a current signature; return how many were hashed.

    Bodies are read `batch` at a time, so a first refresh never holds the corpus's text;
    `after_batch` runs after each batch's insert (the refresh commits there: DuckDB holds a
    transaction's new rows in memory, 33 MiB of signatures for 20,000 documents).
    """
    key = params_key(config)
    con.execute("DELETE FROM doc_signatures WHERE params <> ?", [key])
    todo = sorted(r[0] for r in con.execute(
        "SELECT d.doc_id FROM documents d "
        "WHERE d.status = 'ok' AND NOT EXISTS (SELECT 1 FROM doc_signatures s WHERE s.doc_id = d.doc_id)"
    ).fetchall())
    for start in range(0, len(todo), batch):
        select(con, "_fuse_sign", todo[start : start + batch])
        rows = [
            (doc_id, *signature(body, config))
            for doc_id, body in con.execute(
                "SELECT d.doc_id, coalesce(d.body, '') FROM documents d JOIN _fuse_sign ON id = d.doc_id"
            ).fetchall()
        ]
        table = pa.table({
            "doc_id": [r[0] for r in rows],
            "params": [key] * len(rows),
            "n_shingles": pa.array([r[1] for r in rows], pa.int32()),
            "hashvalues": pa.array([r[2].astype(np.uint64) for r in rows], pa.list_(pa.uint64())),
        })
        with arrow_stream(con, "_fuse_signatures", table):
            con.execute("INSERT INTO doc_signatures BY NAME SELECT * FROM _fuse_signatures")
        if after_batch is not None:
            after_batch()
    return len(todo)


def bands(config: FuseConfig) -> tuple[int, int]:
    """Return (bands, rows per band) of the LSH index for the duplicate threshold (datasketch's optimum)."""
    lsh = MinHashLSH(threshold=config.duplicate_threshold, num_perm=config.num_perm)
    return int(lsh.b), int(lsh.r)


def band_keys(values: np.ndarray, b: int, r: int) -> list[int]:
    """Return the bucket of each band of a signature (signed 64-bit, stored in `doc_lsh`)."""
    out = []
    for i in range(b):
        digest = hashlib.blake2b(values[i * r : (i + 1) * r].tobytes(), digest_size=8).digest()
        out.append(int.from_bytes(digest, "little", signed=True))
    return out


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    # datasketch's estimate: the share of equal hash values.
    return float(np.count_nonzero(a == b)) / float(len(a))


@dataclass(slots=True)
class DuplicateUpdate:
    """What `update_duplicates` changed: documents whose source group or copy flag is new."""

    regrouped: set[str]
    copies: int


def update_duplicates(
    con: duckdb.DuckDBPyConnection, docs: LiveDocs, new: set[str], removed: set[str], config: FuseConfig
) -> DuplicateUpdate:
    """Bring `doc_lsh`, `doc_sources` and `doc_duplicates` up to date for added and removed documents.

    Groups are the connected components of "shares an LSH bucket and estimated similarity >=
    `duplicate_threshold`", a relation that only grows when documents are added, so a new
    document is compared with one representative per (bucket, group) (the group's smallest
    doc_id in that bucket; other members only when that one is not similar enough) and groups
    merge. A removed document's group is rebuilt from its remaining members. The result is
    the same components whatever the order documents arrive in; with every document new (a
    full refresh) this is the whole computation, linear in documents for wire copies.
    """
    b, r = bands(config)
    min_shingles = max(1, config.duplicate_min_words - config.shingle_words + 1)
    old_group: dict[str, str] = {}
    if removed:
        select(con, "_fuse_rm", removed)
        hit = con.execute(
            "SELECT s.doc_id, s.source_group FROM doc_sources s WHERE s.source_group IN "
            "(SELECT source_group FROM doc_sources JOIN _fuse_rm ON id = doc_id)"
        ).fetchall()
        old_group.update({d: g for d, g in hit})
        docs.load(old_group)
        rebuild = {d for d, _ in hit if d in docs and d not in removed}
        select(con, "_fuse_rm", set(old_group) | removed)
        for table in ("doc_lsh", "doc_sources", "doc_duplicates"):
            con.execute(f"DELETE FROM {table} WHERE doc_id IN (SELECT id FROM _fuse_rm)")
    else:
        rebuild = set()
    docs.load(new | rebuild)
    todo = sorted(d for d in new | rebuild if d in docs)
    select(con, "_fuse_todo", todo)
    sig: dict[str, np.ndarray] = {}
    for doc_id, n, values in con.execute(
        "SELECT doc_id, n_shingles, hashvalues FROM doc_signatures JOIN _fuse_todo ON id = doc_id"
    ).fetchall():
        if n >= min_shingles:
            sig[doc_id] = np.array(values, dtype=np.uint64)
    keys = {d: band_keys(v, b, r) for d, v in sig.items()}
    # Existing (band, bucket) -> {group: representative}, for the buckets of the new documents only.
    index: dict[tuple[int, int], dict[str, str]] = defaultdict(dict)
    wanted = pa.table({
        "band": pa.array([i for d in sorted(keys) for i in range(b)], pa.int16()),
        "bucket": pa.array([k for d in sorted(keys) for k in keys[d]], pa.int64()),
    })
    with arrow_stream(con, "_fuse_wanted", wanted):
        found = con.execute(
            "SELECT l.band, l.bucket, s.source_group, min(l.doc_id) FROM doc_lsh l "
            "JOIN (SELECT DISTINCT band, bucket FROM _fuse_wanted) w USING (band, bucket) "
            "JOIN doc_sources s USING (doc_id) GROUP BY ALL"
        ).fetchall()
    for band, bucket, group, rep in found:
        index[(band, bucket)][group] = rep
    known = {g for buckets in index.values() for g in buckets}
    parent: dict[str, str] = {g: g for g in known}
    parent.update({d: d for d in todo})

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    stored_sig: dict[str, np.ndarray] = {}

    def signature_of(doc_id: str) -> np.ndarray:
        if doc_id in sig:
            return sig[doc_id]
        if doc_id not in stored_sig:
            row = con.execute("SELECT hashvalues FROM doc_signatures WHERE doc_id = ?", [doc_id]).fetchone()
            stored_sig[doc_id] = np.array(row[0] if row else [], dtype=np.uint64)
        return stored_sig[doc_id]

    def similar(x: str, y: str) -> bool:
        other = signature_of(y)
        return len(other) == len(sig[x]) and _similarity(sig[x], other) >= config.duplicate_threshold

    # New documents per bucket, by group (lists merged as groups merge, larger absorbing smaller).
    added: dict[tuple[int, int], dict[str, list[str]]] = {}
    for doc_id in sorted(keys):
        for band, bucket in enumerate(keys[doc_id]):
            slot = index.get((band, bucket), {})
            for group, rep in sorted(slot.items()):
                if find(group) == find(doc_id):
                    continue
                if similar(doc_id, rep) or any(
                    similar(doc_id, m) for m in _bucket_members(con, band, bucket, group, rep)
                ):
                    _union(parent, find, group, doc_id)
            here = _compact(added.get((band, bucket), {}), find)
            for root, listed in sorted(here.items()):
                if root != find(doc_id) and any(similar(doc_id, m) for m in listed):
                    _union(parent, find, root, doc_id)
            here = _compact(here, find)
            here.setdefault(find(doc_id), []).append(doc_id)
            added[(band, bucket)] = here
    # Members of every group that changed: stored members of merged groups, and the new ones.
    roots = {find(d) for d in todo}
    touched_groups = {g for g in known if find(g) in roots}
    members: dict[str, list[str]] = defaultdict(list)
    if touched_groups:
        select(con, "_fuse_groups", touched_groups)
        for doc_id, group in con.execute(
            "SELECT doc_id, source_group FROM doc_sources JOIN _fuse_groups ON id = source_group"
        ).fetchall():
            old_group[doc_id] = group
            members[find(group)].append(doc_id)
    for doc_id in todo:
        members[find(doc_id)].append(doc_id)
    docs.load(d for docs_in in members.values() for d in docs_in)
    originals = {
        root: min(docs_in, key=lambda d: (docs[d].published is None, docs[d].published, d))
        for root, docs_in in members.items()
    }
    need = {o for o in originals.values() if o not in sig}
    need |= {d for root, ds in members.items() for d in ds if old_group.get(d) != originals[root] and d not in sig}
    if need:
        select(con, "_fuse_need", need)
        for doc_id, values in con.execute(
            "SELECT doc_id, hashvalues FROM doc_signatures JOIN _fuse_need ON id = doc_id"
        ).fetchall():
            stored_sig[doc_id] = np.array(values, dtype=np.uint64)
    regrouped: set[str] = set()
    src_rows, dup_rows, drop = [], [], set()
    for root, docs_in in members.items():
        original = originals[root]
        for doc_id in sorted(docs_in):
            before = old_group.get(doc_id)
            if before == original and doc_id not in rebuild:
                continue  # row unchanged
            if before is not None:
                drop.add(doc_id)
            regrouped.add(doc_id)
            src_rows.append({"doc_id": doc_id, "source_group": original, "is_copy": doc_id != original})
            if doc_id != original:
                sim = round(_similarity(signature_of(doc_id), signature_of(original)), 4)
                dup_rows.append({"doc_id": doc_id, "copy_of": original, "similarity": sim, "method": "minhash"})
    if drop:
        select(con, "_fuse_drop", drop)
        con.execute("DELETE FROM doc_sources WHERE doc_id IN (SELECT id FROM _fuse_drop)")
        con.execute("DELETE FROM doc_duplicates WHERE doc_id IN (SELECT id FROM _fuse_drop)")
    insert_rows(con, "doc_sources", src_rows)
    insert_rows(con, "doc_duplicates", dup_rows)
    insert_rows(con, "doc_lsh", [
        {"doc_id": d, "band": band, "bucket": bucket} for d in sorted(keys) for band, bucket in enumerate(keys[d])
    ], types={"band": pa.int16(), "bucket": pa.int64()})
    copies = sum(1 for row in src_rows if row["is_copy"])
    log.info("fuse: %d documents (re)grouped, %d of them copies", len(regrouped), copies)
    return DuplicateUpdate(regrouped, copies)


def _union(parent: dict[str, str], find: Callable[[str], str], a: str, b: str) -> None:
    ra, rb = find(a), find(b)
    if ra != rb:
        parent[max(ra, rb)] = min(ra, rb)


def _compact(slot: dict[str, list[str]], find: Callable[[str], str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for label, listed in slot.items():
        root = find(label)
        if root in out:
            big, small = (out[root], listed) if len(out[root]) >= len(listed) else (listed, out[root])
            big.extend(small)
            out[root] = big
        else:
            out[root] = listed
    return out


def _bucket_members(con: duckdb.DuckDBPyConnection, band: int, bucket: int, group: str, rep: str) -> list[str]:
    """Stored members of `group` in one bucket other than its representative (rarely needed)."""
    rows = con.execute(
        "SELECT l.doc_id FROM doc_lsh l JOIN doc_sources s USING (doc_id) "
        "WHERE l.band = ? AND l.bucket = ? AND s.source_group = ? AND l.doc_id <> ? ORDER BY l.doc_id",
        [band, bucket, group, rep],
    ).fetchall()
    return [r[0] for r in rows]


def insert_rows(
    con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]], types: dict[str, pa.DataType] | None = None
) -> None:
    """Insert dict rows by column name through one Arrow table (far faster than executemany)."""
    if not rows:
        return
    if types:
        arrow = pa.table({k: pa.array([r[k] for r in rows], types.get(k)) for k in rows[0]})
    else:
        arrow = pa.Table.from_pylist(rows)
    with arrow_stream(con, "_fuse_rows", arrow):
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _fuse_rows")
