"""Canonical entities kept up to date batch by batch, at a cost set by the batch, not the store.

After each committed batch the build driver calls `canonicalize_pending`. It:

1. folds the batch's new `doc_entities` rows into their base entities (`resolve_bases`);
2. updates the blocking keys of those bases (`resolve_blocks`, in SQL); a key that crosses
   `BLOCK_CAP` either way makes its members' links be checked again;
3. compares each base whose name profile or keys changed only with the bases sharing one of
   its keys (at most `BLOCK_CAP` per key): a join in DuckDB keeps the pairs some rule could
   join, `canonical.link_profiles` decides, and the links are stored (`resolve_links`);
4. walks the links from the changed bases to their connected components, and clusters
   only those components (`canonical.cluster`), whose result depends on nothing else;
5. writes the entity rows, merges and `entity_id` assignments that differ.

The work is set by the batch (its bases, their candidates, their components), never by a
pass over the store in Python; what still grows with the store is DuckDB's hash joins,
which scan the narrow key columns of the tables they join (DuckDB has no index joins).

Every stored row is a function of the set of document entities (and of undone merges),
so the rows are the same whatever the batch order or size: the same as one pass over
everything, which is what `reset` followed by a call does.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from dossier.nlp.gazetteer import norm
from dossier.resolve import tables
from dossier.resolve.canonical import (
    BLOCK_CAP,
    GROUPS,
    Base,
    Profile,
    base_key,
    blocks,
    cluster,
    entity_id_for,
    link_profiles,
    merge_id_for,
    rules_signature,
)
from dossier.settings import Settings
from dossier.store.connection import arrow_stream, transaction

log = logging.getLogger(__name__)

_ROW_COLS = "doc_entity_id, doc_id, name, type, country, sector, aliases, roles, dictionary_id, entity_id"


@dataclass
class _Work:
    """Bases and keys one call has read or changed (only what the batch touches)."""

    bases: dict[str, Base] = field(default_factory=dict)  # full bases: changed ones and those clustered
    profiles: dict[str, Profile] = field(default_factory=dict)  # of the changed bases, as now
    keys: dict[str, set[str]] = field(default_factory=dict)  # base id -> its blocking keys, as now
    stored_keys: dict[str, set[str]] = field(default_factory=dict)  # as stored before this call

    def load(self, con: duckdb.DuckDBPyConnection, ids: Iterable[str]) -> None:
        """Read the stored bases among `ids` that are not loaded yet."""
        for bid, (b, keys) in tables.load_bases(con, [i for i in ids if i not in self.bases]).items():
            self.bases[bid] = b
            self.keys.setdefault(bid, keys)
            self.stored_keys.setdefault(bid, set(keys))


def canonicalize_pending(con: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """Assign canonical entities to unassigned document entities; return how many.

    Deterministic: the entity rows, merges and assignments depend only on the set of
    document entities in the store (and undone merges), not on the order or size of the
    batches. Runs in one transaction (the caller's, when it holds one).
    """
    tables.ensure_tables(con)
    with transaction(con):
        pending = _fold_pending(con, settings)
    return pending


def recompute_components(con: duckdb.DuckDBPyConnection, settings: Settings, seeds: Iterable[str]) -> None:
    """Cluster again the components holding `seeds` (after an undo) and write what changed."""
    tables.ensure_tables(con)
    with transaction(con):
        if not tables.layout_ok(con, _signature(settings)):
            _fold_pending(con, settings)  # builds the tables from every row first
        _settle(con, _Work(), set(seeds), [])


def rebuild(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Recompute every base, link and component from all rows (one pass; writes only differences)."""
    with transaction(con):
        tables.reset(con)
        _fold_pending(con, settings)


def _fold_pending(con: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """Fold unassigned rows into their bases, relink and settle what changed; return how many were pending."""
    threshold = float(settings.get("resolve.spelling_threshold", 85.0))
    signature = _signature(settings)
    known: set[str] = set()
    if tables.layout_ok(con, signature):
        rows = con.execute(f"SELECT {_ROW_COLS} FROM doc_entities WHERE entity_id IS NULL "
                           "ORDER BY doc_entity_id").fetchall()
        if not rows:
            return 0
        tables.ids_table(con, "_rp_ids", [r[0] for r in rows])
        try:
            known = {r[0] for r in con.execute(
                "SELECT doc_entity_id FROM resolve_rows WHERE doc_entity_id IN (SELECT v FROM _rp_ids)").fetchall()}
        finally:
            tables.drop_ids(con, "_rp_ids")
    else:
        # First call on this store, after `reset`, or under other rules or settings: every
        # row is new, one pass over all.
        tables.reset(con)
        rows = con.execute(f"SELECT {_ROW_COLS} FROM doc_entities ORDER BY doc_entity_id").fetchall()
        if not rows:
            return 0
    work = _Work()
    row_base: list[tuple[str, str]] = []  # (doc_entity_id, base id) of every row to assign
    new_rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    first: dict[str, tuple[str, str, str | None]] = {}
    for r in rows:
        de_id, _doc_id, name, etype, _country, _sector, _aliases, _roles, dict_id, _current = r
        k = base_key(etype, name, dict_id)
        bid = entity_id_for(k)
        row_base.append((de_id, bid))
        if de_id not in known:
            new_rows[bid].append(r)
            first.setdefault(bid, (k, GROUPS.get(etype, etype), dict_id))
    changed = sorted(new_rows)
    work.load(con, changed)
    relink: list[str] = []  # changed bases whose links may have changed
    for bid in changed:
        if bid not in work.bases:
            k, group, dict_id = first[bid]
            work.bases[bid] = Base(bid, k, group, dictionary_id=dict_id)
            work.keys[bid] = set()
            work.stored_keys[bid] = set()
            before = None
        else:
            before = Profile.of(work.bases[bid])
        b = work.bases[bid]
        for _de_id, _doc_id, name, etype, country, sector, aliases, roles, _dict_id, _current in new_rows[bid]:
            b.names[name] += 1
            b.types[etype] += 1
            if country:
                b.countries[country] += 1
            if sector:
                b.sectors[sector] += 1
            b.roles.update(roles or ())
            b.aliases.update(aliases or ())
        # A document's rows are written in one batch and folded in one call, so its
        # documents here are new to this base.
        b.docs += len({r[1] for r in new_rows[bid]})
        work.keys[bid] = blocks(b)
        work.profiles[bid] = Profile.of(b)
        # `link` reads only the profile, and candidates come from the keys: a base seen
        # again under the same profile and keys ("Russia" in every batch) keeps its links.
        if work.profiles[bid] != before or work.keys[bid] != work.stored_keys[bid]:
            relink.append(bid)
    if changed:
        tables.ids_table(con, "_rc_ids", changed)
        try:
            con.execute("DELETE FROM resolve_bases WHERE base_id IN (SELECT v FROM _rc_ids)")
        finally:
            tables.drop_ids(con, "_rc_ids")
        tables.insert(con, "resolve_bases", tables.base_schema(),
                      [tables.base_row(work.bases[bid], work.keys[bid], work.profiles[bid]) for bid in changed])
    recheck = _update_blocks(con, work, changed)
    links_changed = _relink(con, sorted(set(relink) | recheck), threshold)
    seeds = set(changed) | recheck | links_changed | {bid for _, bid in row_base}
    _settle(con, work, seeds, row_base)
    s = _pa_string()
    tables.insert(con, "resolve_rows", [("doc_entity_id", s), ("base_id", s)],
                  [(de_id, bid) for de_id, bid in row_base if de_id not in known])
    # Aliases are written once per row, when it is first assigned (a rebuild keeps them).
    alias_rows = [[bid, alias, norm(alias), r[1]] for bid in changed for r in new_rows[bid] if r[9] is None
                  for alias in dict.fromkeys([r[2], *(r[6] or ())])]
    alias_rows.sort(key=lambda v: (v[3], v[0], v[1]))
    tables.insert(con, "entity_aliases", [("entity_id", s), ("alias", s), ("norm", s), ("doc_id", s)], alias_rows)
    tables.mark_built(con, signature)
    log.debug("folded %d rows into %d bases; %d relinked, %d rechecked", len(rows), len(changed), len(relink),
              len(recheck))
    return sum(1 for r in rows if r[9] is None)


# New members of each touched key, in SQL: the member lists never travel to Python.
_BLOCK_DELTA = """
CREATE OR REPLACE TEMP TABLE _rblk AS
WITH d AS (
    SELECT block, coalesce(list(base_id) FILTER (WHERE delta > 0), []) AS adds,
           coalesce(list(base_id) FILTER (WHERE delta < 0), []) AS drops, sum(delta)::INTEGER AS dn
    FROM _rdelta GROUP BY block
)
SELECT d.block, coalesce(o.size, 0) AS size0, coalesce(o.size, 0) + d.dn AS size1, o.members AS members0,
       d.adds, d.drops
FROM d LEFT JOIN resolve_blocks o ON o.block = d.block
"""
_BLOCK_WRITE = """
INSERT INTO resolve_blocks (block, size, members)
SELECT block, size1, CASE WHEN size1 > $cap THEN NULL ELSE list_sort(list_concat(
    list_filter(coalesce(members0, []), m -> NOT list_contains(drops, m)), adds)) END
FROM _rblk WHERE size1 > 0
"""


def _update_blocks(con: duckdb.DuckDBPyConnection, work: _Work, changed: Sequence[str]) -> set[str]:
    """Apply the changed bases' key changes to `resolve_blocks`; return bases whose links need a recheck.

    Those are the members of every key that crossed `BLOCK_CAP` (its pairs gain or lose
    it as a reason to be compared); the changed bases themselves are rechecked anyway.
    Expects `resolve_bases` to hold the changed bases already.
    """
    delta = [(k, bid, 1) for bid in changed for k in sorted(work.keys[bid] - work.stored_keys[bid])]
    delta += [(k, bid, -1) for bid in changed for k in sorted(work.stored_keys[bid] - work.keys[bid])]
    if not delta:
        return set()
    import pyarrow as pa

    rows = pa.table({"block": [d[0] for d in delta], "base_id": [d[1] for d in delta],
                     "delta": pa.array([d[2] for d in delta], type=pa.int32())})
    with arrow_stream(con, "_rdelta", rows):
        con.execute(_BLOCK_DELTA)
    recheck: set[str] = set()
    back: list[tuple[str, list[str]]] = []
    for block, _size0, size1, members0 in con.execute(
            "SELECT block, size0, size1, members0 FROM _rblk WHERE (size0 <= ?) <> (size1 <= ?) ORDER BY block",
            [BLOCK_CAP, BLOCK_CAP]).fetchall():
        if size1 > BLOCK_CAP:
            recheck.update(members0 or ())  # now a stop word: its pairs lose it
        elif size1 > 0:
            # Back under the cap (a base's name changed): find its members again (a scan, rare).
            members = sorted(tables.members_of(con, block))
            recheck.update(members)
            back.append((block, members))
    con.execute("DELETE FROM resolve_blocks WHERE block IN (SELECT block FROM _rblk)")
    con.execute(_BLOCK_WRITE.replace("$cap", str(int(BLOCK_CAP))))
    for block, members in back:
        con.execute("UPDATE resolve_blocks SET members = ? WHERE block = ?", [members, block])
    con.execute("DROP TABLE _rblk")
    return recheck


# Pairs (x, y) sharing a key under the cap, kept only when some rule of `link` could join
# them: the same tests, exact for alias, abbreviation and subset, and for spelling a bound
# (Levenshtein <= Indel distance, so a word pair with ratio >= threshold passes it; applied to
# ASCII words, where DuckDB's byte-wise distance is the character one). `link` decides.
_CANDIDATES = """
WITH a AS MATERIALIZED (
    SELECT base_id, blocks, {cols} FROM resolve_bases WHERE base_id IN (SELECT v FROM _rx_ids)
), x AS (
    SELECT base_id AS xid, unnest(blocks) AS block FROM a
), c AS (
    SELECT DISTINCT x.xid, unnest(b.members) AS yid
    FROM x JOIN resolve_blocks b ON b.block = x.block
    WHERE b.members IS NOT NULL
)
SELECT c.xid, c.yid, {xcols}, {ycols}
FROM c JOIN a ON a.base_id = c.xid JOIN resolve_bases y ON y.base_id = c.yid
WHERE c.xid <> c.yid
  AND (a.country IS NULL OR y.country IS NULL OR a.country = y.country)
  AND (list_contains(a.link_aliases, y.core_key) OR list_contains(y.link_aliases, a.core_key)
    OR (a.grp IN ('ORG', 'EVENT') AND ((a.abbr AND y.initials = a.core) OR (y.abbr AND a.initials = y.core)))
    OR (len(a.folded) = len(y.folded) AND list_bool_and(list_transform(range(1, len(a.folded) + 1), i ->
          strlen(a.folded[i]) <> length(a.folded[i]) OR strlen(y.folded[i]) <> length(y.folded[i])
          OR levenshtein(a.folded[i], y.folded[i]) * 100 <= $slack * (length(a.folded[i]) + length(y.folded[i])))))
    OR (a.grp = 'PERSON' AND a.country = y.country AND (
          (len(a.folded) < len(y.folded) AND len(a.folded) >= 2
           AND contains(' ' || y.core_key || ' ', ' ' || a.core_key || ' '))
          OR (len(y.folded) < len(a.folded) AND len(y.folded) >= 2
           AND contains(' ' || a.core_key || ' ', ' ' || y.core_key || ' ')))))
"""
# Bases relinked per query: bounds the candidate pairs DuckDB holds at once in a rebuild.
_RELINK_CHUNK = 4000


def _relink(con: duckdb.DuckDBPyConnection, ids: Sequence[str], threshold: float) -> set[str]:
    """Recompute the stored links of bases `ids`; return the ends of their old links.

    Expects `resolve_bases` and `resolve_blocks` to be up to date.
    """
    if not ids:
        return set()
    cols = [c.strip() for c in tables.PROFILE_COLS.split(",")]
    sql = _CANDIDATES.format(cols=tables.PROFILE_COLS, xcols=", ".join(f"a.{c}" for c in cols),
                             ycols=", ".join(f"y.{c}" for c in cols))
    # The bound must never drop a pair the exact ratio keeps: a hair of slack for rounding.
    sql = sql.replace("$slack", repr(100.0 - threshold + 1e-6))
    n = len(cols)
    fresh: dict[tuple[str, str], tuple[str, float]] = {}
    for start in range(0, len(ids), _RELINK_CHUNK):
        tables.ids_table(con, "_rx_ids", ids[start:start + _RELINK_CHUNK])
        try:
            rows = con.execute(sql).fetchall()
        finally:
            tables.drop_ids(con, "_rx_ids")
        for r in rows:
            x, y = r[0], r[1]
            pair = (x, y) if x < y else (y, x)
            if pair in fresh:
                continue
            px, py = tables.profile(r[2:2 + n]), tables.profile(r[2 + n:2 + 2 * n])
            got = link_profiles(px, py, threshold) if x < y else link_profiles(py, px, threshold)
            if got is not None:
                fresh[pair] = got
    old = tables.links_touching(con, ids)
    tables.ids_table(con, "_rl_ids", ids)
    try:
        con.execute("DELETE FROM resolve_links WHERE a IN (SELECT v FROM _rl_ids) OR b IN (SELECT v FROM _rl_ids)")
    finally:
        tables.drop_ids(con, "_rl_ids")
    import pyarrow as pa

    tables.insert(con, "resolve_links", [("a", pa.string()), ("b", pa.string()), ("reason", pa.string()),
                                         ("score", pa.float64())],
                  [[a, b, reason, score] for (a, b), (reason, score) in sorted(fresh.items())])
    return {x for pair in old for x in pair}


def _component_links(con: duckdb.DuckDBPyConnection, seeds: set[str]
                     ) -> tuple[set[str], dict[tuple[str, str], tuple[str, float]]]:
    """The bases connected to `seeds` by stored links, and those links (a breadth-first walk)."""
    comp = set(seeds)
    links: dict[tuple[str, str], tuple[str, float]] = {}
    frontier = set(seeds)
    while frontier:
        got = tables.links_touching(con, frontier)
        links.update(got)
        frontier = {x for pair in got for x in pair} - comp
        comp |= frontier
    return comp, links


def _settle(con: duckdb.DuckDBPyConnection, work: _Work, seeds: set[str], assign: Sequence[tuple[str, str]]) -> None:
    """Cluster the components of `seeds` and write entity rows, merges and assignments that differ.

    `assign` lists (doc_entity_id, base id) of rows that need their `entity_id` written
    whatever it was (new or reset rows); rows of bases whose survivor changed are found here.
    """
    comp, links = _component_links(con, seeds)
    work.load(con, comp)
    comp = {bid for bid in comp if bid in work.bases}
    if not comp:
        return
    ids = sorted(comp)
    tables.ids_table(con, "_rs_ids", ids)
    try:
        cannot = {frozenset(r) for r in con.execute(
            "SELECT from_id, into_id FROM entity_merges WHERE undone AND "
            "(from_id IN (SELECT v FROM _rs_ids) OR into_id IN (SELECT v FROM _rs_ids))").fetchall()}
        have = {r[0]: (r[1], r[2], r[3], r[4], sorted(r[5] or []), r[6], r[7]) for r in con.execute(
            "SELECT entity_id, name, type, country, sector, roles, dictionary_id, merged_into FROM entities "
            "WHERE entity_id IN (SELECT v FROM _rs_ids)").fetchall()}
    finally:
        tables.drop_ids(con, "_rs_ids")
    merged = cluster({bid: work.bases[bid] for bid in ids}, links, cannot)
    wanted = {bid: (b.name, b.type, b.country, b.sector, sorted(b.roles), b.dictionary_id,
                    merged.get(bid, (None,))[0]) for bid in ids for b in [work.bases[bid]]}
    want_merges = {merge_id_for(f, into): (f, into, reason, score) for f, (into, reason, score) in merged.items()}
    tables.ids_table(con, "_rs_ids", ids)
    tables.ids_table(con, "_rm_ids", want_merges)
    try:
        have_merges = {r[0]: (r[1], r[2], r[3], r[4]) for r in con.execute(
            "SELECT merge_id, from_id, into_id, reason, score FROM entity_merges WHERE NOT undone AND "
            "(from_id IN (SELECT v FROM _rs_ids) OR merge_id IN (SELECT v FROM _rm_ids))").fetchall()}
        any_merge = {r[0] for r in con.execute(
            "SELECT merge_id FROM entity_merges WHERE merge_id IN (SELECT v FROM _rm_ids)").fetchall()}
    finally:
        tables.drop_ids(con, "_rs_ids")
        tables.drop_ids(con, "_rm_ids")
    changed = sorted(k for k, v in wanted.items() if have.get(k) != v)
    stale = sorted(m for m, v in have_merges.items() if want_merges.get(m) != v)
    fresh = sorted(m for m, v in want_merges.items() if have_merges.get(m) != v)

    def survivor(bid: str) -> str:
        return merged.get(bid, (bid,))[0]

    # Rows already assigned follow their base when its survivor changes.
    moved = sorted(bid for bid in ids if bid in have and (have[bid][6] or bid) != survivor(bid))
    canonical = {de_id: survivor(bid) for de_id, bid in assign}
    if moved:
        tables.ids_table(con, "_rv_ids", moved)
        try:
            for de_id, bid in con.execute(
                    "SELECT doc_entity_id, base_id FROM resolve_rows WHERE base_id IN (SELECT v FROM _rv_ids)"
            ).fetchall():
                canonical.setdefault(de_id, survivor(bid))
        finally:
            tables.drop_ids(con, "_rv_ids")
    import pyarrow as pa

    s = pa.string()
    if changed:
        tables.ids_table(con, "_changed", changed)
        try:
            con.execute("DELETE FROM entities WHERE entity_id IN (SELECT v FROM _changed)")
        finally:
            tables.drop_ids(con, "_changed")
        tables.insert(con, "entities", [("entity_id", s), ("name", s), ("type", s), ("country", s), ("sector", s),
                                        ("roles", pa.list_(s)), ("dictionary_id", s), ("merged_into", s)],
                      [[k, *wanted[k]] for k in changed])
    if stale:
        tables.ids_table(con, "_stale", stale)
        try:
            con.execute("DELETE FROM entity_merges WHERE NOT undone AND merge_id IN (SELECT v FROM _stale)")
        finally:
            tables.drop_ids(con, "_stale")
    fresh = [m for m in fresh if m not in any_merge or m in stale]
    tables.insert(con, "entity_merges", [("merge_id", s), ("from_id", s), ("into_id", s), ("reason", s),
                                         ("score", pa.float64())], [[m, *want_merges[m]] for m in fresh])
    if canonical:
        tables.insert(con, "_canon", [("doc_entity_id", s), ("entity_id", s)], sorted(canonical.items()), temp=True)
        try:
            con.execute("UPDATE doc_entities d SET entity_id = c.entity_id FROM _canon c "
                        "WHERE d.doc_entity_id = c.doc_entity_id")
            con.execute("UPDATE event_participants p SET entity_id = c.entity_id FROM _canon c "
                        "WHERE p.doc_entity_id = c.doc_entity_id")
            con.execute("UPDATE quotes q SET speaker_entity_id = c.entity_id FROM _canon c "
                        "WHERE q.speaker_doc_entity_id = c.doc_entity_id")
            con.execute("UPDATE quotes q SET target_entity_id = c.entity_id FROM _canon c "
                        "WHERE q.target_doc_entity_id = c.doc_entity_id")
        finally:
            con.execute("DROP TABLE _canon")
    log.debug("settled %d bases in %d links; %d merged, %d entity rows written", len(ids), len(links),
              len(merged), len(changed))


def _signature(settings: Settings) -> str:
    return rules_signature(float(settings.get("resolve.spelling_threshold", 85.0)))


def _pa_string() -> Any:
    import pyarrow as pa

    return pa.string()


