"""Near-duplicate documents (wire copies, republications) by MinHash over word shingles.

Signatures are cached in `doc_signatures`, so a refresh hashes only new documents; the LSH
index is rebuilt from the cache (cheap). Copies are grouped into connected components and
the group's original is its earliest-published document (then the smallest doc_id), so the
result does not depend on the order documents were stored.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
from datasketch import MinHash, MinHashLSH

from dossier.fuse.config import FuseConfig
from dossier.fuse.records import Doc

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
    mh = MinHash(num_perm=config.num_perm, seed=config.seed, scheme=SCHEME)
    mh.update_batch(sorted(grams))
    return len(grams), mh.hashvalues


def params_key(config: FuseConfig) -> str:
    """The parameters a cached signature was made with."""
    return f"{config.num_perm}/{config.seed}/{config.shingle_words}/{SCHEME}"


def update_signatures(con: duckdb.DuckDBPyConnection, docs: dict[str, Doc], config: FuseConfig) -> int:
    """Hash the bodies of documents without a current signature; return how many were hashed."""
    key = params_key(config)
    con.execute("DELETE FROM doc_signatures WHERE params <> ?", [key])
    todo = con.execute(
        "SELECT d.doc_id, coalesce(d.body, '') FROM documents d "
        "WHERE d.status = 'ok' AND NOT EXISTS (SELECT 1 FROM doc_signatures s WHERE s.doc_id = d.doc_id)"
    ).fetchall()
    rows = []
    for doc_id, body in todo:
        n, values = signature(body, config)
        rows.append({"doc_id": doc_id, "params": key, "n_shingles": n, "hashvalues": values.astype(np.uint64)})
    if rows:
        table = pa.table({
            "doc_id": [r["doc_id"] for r in rows],
            "params": [r["params"] for r in rows],
            "n_shingles": pa.array([r["n_shingles"] for r in rows], pa.int32()),
            "hashvalues": pa.array([r["hashvalues"] for r in rows], pa.list_(pa.uint64())),
        })
        con.register("_fuse_signatures", table)
        try:
            con.execute("INSERT INTO doc_signatures BY NAME SELECT * FROM _fuse_signatures")
        finally:
            con.unregister("_fuse_signatures")
    return len(rows)


def find_duplicates(con: duckdb.DuckDBPyConnection, docs: dict[str, Doc], config: FuseConfig) -> list[Duplicate]:
    """Return one Duplicate per copy among the taking-part documents."""
    min_shingles = max(1, config.duplicate_min_words - config.shingle_words + 1)
    sigs: dict[str, MinHash] = {}
    for doc_id, n, values in con.execute(
        "SELECT doc_id, n_shingles, hashvalues FROM doc_signatures ORDER BY doc_id"
    ).fetchall():
        if doc_id in docs and n >= min_shingles:
            sigs[doc_id] = MinHash(
                num_perm=config.num_perm, seed=config.seed, scheme=SCHEME,
                hashvalues=np.array(values, dtype=np.uint64),
            )
    if len(sigs) < 2:
        return []
    lsh = MinHashLSH(threshold=config.duplicate_threshold, num_perm=config.num_perm)
    for doc_id, mh in sigs.items():
        lsh.insert(doc_id, mh)
    parent = {d: d for d in sigs}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for doc_id, mh in sigs.items():
        for other in lsh.query(mh):
            # LSH proposes candidates; the estimated Jaccard decides.
            if other == doc_id:
                continue
            a, b = find(doc_id), find(other)
            # Already one group: skip the comparison (a wire story copied 400 times is 400, not 160,000).
            if a != b and mh.jaccard(sigs[other]) >= config.duplicate_threshold:
                parent[max(a, b)] = min(a, b)
    groups: dict[str, list[str]] = {}
    for doc_id in sigs:
        groups.setdefault(find(doc_id), []).append(doc_id)
    out = []
    for members in groups.values():
        if len(members) < 2:
            continue
        original = min(members, key=lambda d: (docs[d].published is None, docs[d].published, d))
        for doc_id in sorted(members):
            if doc_id != original:
                sim = round(float(sigs[doc_id].jaccard(sigs[original])), 4)
                out.append(Duplicate(doc_id, original, sim))
    log.info("fuse: %d copies among %d documents", len(out), len(sigs))
    return sorted(out, key=lambda d: d.doc_id)
