"""Frozen copy of the first canonicalisation (full recompute per batch): the oracle of the tests.

`dossier.resolve` must give exactly the rows this gives when it is run once over every
document entity of a store (one type group at a time, as its blocks were per touched group).
Do not edit: it pins the behaviour the incremental version keeps.
"""


from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
from rapidfuzz import fuzz

from dossier.nlp.gazetteer import norm
from dossier.settings import Settings, data_path

log = logging.getLogger(__name__)

GROUPS = {"PERSON": "PERSON", "ORG": "ORG", "GPE": "PLACE", "LOC": "PLACE", "EVENT": "EVENT"}
_FOLD = [("ks", "x"), ("kh", "h"), ("ph", "f"), ("dh", "d"), ("th", "t"), ("y", "i"), ("j", "i"), ("w", "v"),
         ("ou", "u"), ("oo", "u"), ("ee", "i"), ("ie", "i"), ("ck", "k"), ("c", "k"), ("q", "k")]
_STOP = {"of", "and", "the", "for", "in", "on", "de", "al"}


def _titles() -> set[str]:
    words = set()
    for line in data_path("gazetteer", "titles.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            words.add(line.split("\t")[0].strip().lower())
    return words


TITLES = _titles() | {"senior", "sr.", "sr", "vice", "deputy", "maj", "lt", "gen", "brig"}
_TITLE_FORMS = TITLES | {w.rstrip(".") for w in TITLES}


def strip_titles(name: str) -> str:
    """The name without leading titles and honorifics ("Sr. Gen. Min Aung Hlaing" -> "Min Aung Hlaing")."""
    words = name.split()
    while len(words) > 1 and words[0].lower().rstrip(",") in _TITLE_FORMS:
        words = words[1:]
    return " ".join(words)


def fold(word: str) -> str:
    """A transliteration skeleton of one word: common digraphs folded, doubled letters collapsed."""
    w = word.lower()
    for a, b in _FOLD:
        w = w.replace(a, b)
    return re.sub(r"(.)\1+", r"\1", w)


def base_key(etype: str, name: str, dictionary_id: str | None) -> str:
    """The content key of a document entity: type group plus dictionary id or title-less name."""
    group = GROUPS.get(etype, etype)
    if dictionary_id:
        return f"{group}|dict|{dictionary_id}"
    return f"{group}|name|{norm(strip_titles(name))}"


def entity_id_for(key: str) -> str:
    """Stable id of a base entity."""
    return "ent_" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def merge_id_for(from_id: str, into_id: str) -> str:
    """Stable id of a merge, so an undo survives recomputation."""
    return "mrg_" + hashlib.sha1(f"{from_id}>{into_id}".encode()).hexdigest()[:16]


@dataclass
class Base:
    """Everything known about one base entity, aggregated over its document rows."""

    entity_id: str
    key: str
    group: str
    names: Counter[str] = field(default_factory=Counter)
    types: Counter[str] = field(default_factory=Counter)
    countries: Counter[str] = field(default_factory=Counter)
    sectors: Counter[str] = field(default_factory=Counter)
    roles: set[str] = field(default_factory=set)
    aliases: set[str] = field(default_factory=set)
    docs: set[str] = field(default_factory=set)
    dictionary_id: str | None = None

    @property
    def name(self) -> str:
        return max(self.names, key=lambda n: (self.names[n], len(n), n)) if self.names else ""

    @property
    def country(self) -> str | None:
        return max(self.countries, key=lambda c: (self.countries[c], c)) if self.countries else None

    @property
    def type(self) -> str:
        return max(self.types, key=lambda t: (self.types[t], t))

    @property
    def sector(self) -> str | None:
        return max(self.sectors, key=lambda s: (self.sectors[s], s)) if self.sectors else None

    def core(self) -> str:
        return strip_titles(self.name)


def _name_like(alias: str) -> bool:
    words = alias.split()
    return bool(words) and all(w[:1].isupper() or w.lower() in _STOP for w in words) and words[0].lower() != "the"


def _initials(name: str) -> str:
    return "".join(w[0] for w in re.split(r"[\s-]+", name) if w and w.lower() not in _STOP and w[0].isalpha()).upper()


def _countries_ok(a: Base, b: Base) -> bool:
    return a.country is None or b.country is None or a.country == b.country


def link(a: Base, b: Base, threshold: float) -> tuple[str, float] | None:
    """The rule that makes two bases one entity, with its score, or None."""
    if a.group != b.group or not _countries_ok(a, b):
        return None
    na, nb = a.core(), b.core()
    ka, kb = norm(na), norm(nb)
    if not ka or not kb:
        return None
    a_alias = {norm(x) for x in a.aliases if _name_like(x) and (a.group != "PERSON" or len(x.split()) > 1)}
    b_alias = {norm(x) for x in b.aliases if _name_like(x) and (b.group != "PERSON" or len(x.split()) > 1)}
    if kb in a_alias or ka in b_alias:
        return "alias", 100.0
    if a.group in {"ORG", "EVENT"}:
        if na.isupper() and 2 <= len(na) <= 6 and _initials(nb) == na:
            return "abbreviation", 100.0
        if nb.isupper() and 2 <= len(nb) <= 6 and _initials(na) == nb:
            return "abbreviation", 100.0
    wa, wb = ka.split(), kb.split()
    if len(wa) == len(wb):
        scores = [fuzz.ratio(fold(x), fold(y)) for x, y in zip(wa, wb, strict=True)]
        if min(scores) >= threshold:
            return "spelling", round(sum(scores) / len(scores), 1)
    if a.group == "PERSON" and a.country and a.country == b.country:
        short, long_ = (wa, wb) if len(wa) < len(wb) else (wb, wa)
        if len(short) >= 2 and any(long_[i:i + len(short)] == short for i in range(len(long_) - len(short) + 1)):
            return "subset", 90.0
    return None


def _blocks(base: Base) -> set[str]:
    keys = {"w:" + fold(w)[:4] for w in norm(base.core()).split() if w not in _STOP}
    keys.add("i:" + _initials(base.core()))
    if base.core().isupper():
        keys.add("i:" + base.core())
    for alias in base.aliases:
        if _name_like(alias):
            keys.add("n:" + norm(alias))
    keys.add("n:" + norm(base.core()))
    return keys


def _load_bases(con: duckdb.DuckDBPyConnection, groups: Iterable[str]
                ) -> tuple[dict[str, Base], list[tuple[str, str, str | None]]]:
    """Bases of the given groups, and (doc_entity_id, base id, current entity_id) per row."""
    # The type names are this module's constants, never user input.
    types = ", ".join(f"'{t}'" for t, g in GROUPS.items() if g in set(groups)) or "''"
    rows = con.execute(
        "SELECT doc_entity_id, doc_id, name, type, country, sector, aliases, roles, dictionary_id, entity_id "
        f"FROM doc_entities WHERE type IN ({types}) ORDER BY doc_entity_id"
    ).fetchall()
    bases: dict[str, Base] = {}
    row_base: list[tuple[str, str, str | None]] = []
    for de_id, doc_id, name, etype, country, sector, aliases, roles, dict_id, current in rows:
        k = base_key(etype, name, dict_id)
        b = bases.get(k)
        if b is None:
            b = bases[k] = Base(entity_id_for(k), k, GROUPS.get(etype, etype), dictionary_id=dict_id)
        b.names[name] += 1
        b.types[etype] += 1
        if country:
            b.countries[country] += 1
        if sector:
            b.sectors[sector] += 1
        b.roles.update(roles or ())
        b.aliases.update(aliases or ())
        b.docs.add(doc_id)
        row_base.append((de_id, b.entity_id, current))
    return bases, row_base


def _components(bases: Sequence[Base], cannot: set[frozenset[str]], threshold: float
                ) -> dict[str, tuple[str, str, float]]:
    """Map each merged base id to (survivor id, reason, score)."""
    by_block: dict[str, list[int]] = defaultdict(list)
    for i, b in enumerate(bases):
        for k in _blocks(b):
            by_block[k].append(i)
    edges: dict[tuple[int, int], tuple[str, float]] = {}
    for members in by_block.values():
        if len(members) > 200:
            continue  # a block this big is a stop word, not a name
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                i, j = members[x], members[y]
                pair = (min(i, j), max(i, j))
                if pair in edges:
                    continue
                got = link(bases[pair[0]], bases[pair[1]], threshold)
                if got is not None:
                    edges[pair] = got
    parent = list(range(len(bases)))
    members_of: dict[int, set[str]] = {i: {b.entity_id} for i, b in enumerate(bases)}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    joined_by: dict[str, tuple[str, float]] = {}
    order = sorted(edges.items(), key=lambda kv: (-kv[1][1], bases[kv[0][0]].entity_id, bases[kv[0][1]].entity_id))
    for (i, j), (reason, score) in order:
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        if any(frozenset((x, y)) in cannot for x in members_of[ri] for y in members_of[rj]):
            continue
        # The two groups may still hold different countries: all known countries must agree.
        countries = {bases[k].country for k in range(len(bases)) if find(k) in {ri, rj} and bases[k].country}
        if len(countries) > 1:
            continue
        parent[rj] = ri
        members_of[ri] |= members_of.pop(rj)
        for bid in (bases[i].entity_id, bases[j].entity_id):
            joined_by.setdefault(bid, (reason, score))
    comps: dict[int, list[Base]] = defaultdict(list)
    for i, b in enumerate(bases):
        comps[find(i)].append(b)
    out: dict[str, tuple[str, str, float]] = {}
    for group in comps.values():
        if len(group) < 2:
            continue
        survivor = max(group, key=lambda b: (b.dictionary_id is not None, len(b.core().split()),
                                             not b.core().isupper(), len(b.docs), b.entity_id))
        for b in group:
            if b is not survivor:
                reason, score = joined_by.get(b.entity_id, ("component", 0.0))
                out[b.entity_id] = (survivor.entity_id, reason, score)
    return out


def canonicalize_pending(con: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """Assign canonical entities to unassigned document entities; return how many.

    Deterministic: the entity rows, merges and assignments depend only on the set of
    document entities in the store, not on the order or size of the batches.
    """
    pending = con.execute(
        "SELECT doc_entity_id, doc_id, type, aliases FROM doc_entities WHERE entity_id IS NULL"
    ).fetchall()
    if not pending:
        return 0
    groups = {GROUPS.get(r[2], r[2]) for r in pending}
    recompute(con, settings, groups)
    return len(pending)


def recompute(con: duckdb.DuckDBPyConnection, settings: Settings, groups: Iterable[str]) -> None:
    """Rebuild bases, merges and assignments for the given type groups; write only what changed."""
    threshold = float(settings.get("resolve.spelling_threshold", 85.0))
    groups = sorted(set(groups))
    bases, row_base = _load_bases(con, groups)
    base_list = sorted(bases.values(), key=lambda b: b.entity_id)
    undone = con.execute("SELECT from_id, into_id FROM entity_merges WHERE undone").fetchall()
    cannot = {frozenset((a, b)) for a, b in undone}
    merged = _components(base_list, cannot, threshold)
    ids = [b.entity_id for b in base_list]
    wanted = {b.entity_id: (b.name, b.type, b.country, b.sector, sorted(b.roles), b.dictionary_id,
                            merged.get(b.entity_id, (None,))[0]) for b in base_list}
    want_merges = {merge_id_for(f, into): (f, into, reason, score) for f, (into, reason, score) in merged.items()}
    _ids_table(con, "_ids", ids)
    _ids_table(con, "_mids", list(want_merges))
    have = {r[0]: (r[1], r[2], r[3], r[4], sorted(r[5] or []), r[6], r[7]) for r in con.execute(
        "SELECT entity_id, name, type, country, sector, roles, dictionary_id, merged_into FROM entities "
        "WHERE entity_id IN (SELECT v FROM _ids)").fetchall()}
    changed = sorted(k for k, v in wanted.items() if have.get(k) != v)
    pending = [(de_id, bid) for de_id, bid, current in row_base if current is None]
    canonical = [(de_id, merged.get(bid, (bid,))[0]) for de_id, bid, current in row_base
                 if merged.get(bid, (bid,))[0] != current]
    have_merges = {r[0]: (r[1], r[2], r[3], r[4]) for r in con.execute(
        "SELECT merge_id, from_id, into_id, reason, score FROM entity_merges WHERE NOT undone AND "
        "(from_id IN (SELECT v FROM _ids) OR merge_id IN (SELECT v FROM _mids))").fetchall()}
    stale = sorted(m for m, v in have_merges.items() if want_merges.get(m) != v)
    fresh = sorted(m for m, v in want_merges.items() if have_merges.get(m) != v)
    own = _begin(con)
    try:
        if changed:
            _ids_table(con, "_changed", changed)
            con.execute("DELETE FROM entities WHERE entity_id IN (SELECT v FROM _changed)")
            _insert(con, "entities", ["entity_id", "name", "type", "country", "sector", "roles", "dictionary_id",
                                      "merged_into"], [[k, *wanted[k]] for k in changed])
        if pending:
            # A row's base never changes (its id is derived from content): aliases are written once.
            base_of = dict(pending)
            _ids_table(con, "_pending", list(base_of))
            alias_rows = con.execute(
                "SELECT doc_entity_id, doc_id, name, aliases FROM doc_entities WHERE doc_entity_id IN "
                "(SELECT v FROM _pending) ORDER BY doc_entity_id").fetchall()
            values = [[base_of[de_id], alias, norm(alias), doc_id] for de_id, doc_id, name, aliases in alias_rows
                      for alias in dict.fromkeys([name, *(aliases or ())])]
            _insert(con, "entity_aliases", ["entity_id", "alias", "norm", "doc_id"], values)
        if stale:
            _ids_table(con, "_stale", stale)
            con.execute("DELETE FROM entity_merges WHERE NOT undone AND merge_id IN (SELECT v FROM _stale)")
        if fresh:
            fresh = [m for m in fresh if not con.execute(
                "SELECT 1 FROM entity_merges WHERE merge_id = ?", [m]).fetchone()]
            _insert(con, "entity_merges", ["merge_id", "from_id", "into_id", "reason", "score"],
                    [[m, *want_merges[m]] for m in fresh])
        if canonical:
            _insert(con, "_canon", ["doc_entity_id", "entity_id"], [list(r) for r in canonical], temp=True)
            con.execute("UPDATE doc_entities d SET entity_id = c.entity_id FROM _canon c "
                        "WHERE d.doc_entity_id = c.doc_entity_id")
            con.execute("UPDATE event_participants p SET entity_id = c.entity_id FROM _canon c "
                        "WHERE p.doc_entity_id = c.doc_entity_id")
            con.execute("UPDATE quotes q SET speaker_entity_id = c.entity_id FROM _canon c "
                        "WHERE q.speaker_doc_entity_id = c.doc_entity_id")
            con.execute("UPDATE quotes q SET target_entity_id = c.entity_id FROM _canon c "
                        "WHERE q.target_doc_entity_id = c.doc_entity_id")
            con.execute("DROP TABLE _canon")
        if own:
            con.execute("COMMIT")
    except Exception:
        if own:
            con.execute("ROLLBACK")
        raise
    finally:
        for name in ("_ids", "_mids", "_changed", "_pending", "_stale"):
            con.unregister(name)
    log.debug("canonicalised %d bases in %s, %d merged", len(base_list), groups, len(merged))


def _ids_table(con: duckdb.DuckDBPyConnection, name: str, ids: list[str]) -> None:
    """Register a one-column Arrow table `name(v)` of ids (binding Python lists is slow in DuckDB)."""
    import pyarrow as pa

    con.register(name, pa.table({"v": pa.array(ids, type=pa.string())}))


def _insert(con: duckdb.DuckDBPyConnection, table: str, cols: list[str], rows: list[list[Any]],
            *, temp: bool = False) -> None:
    """Bulk insert through an Arrow table (DuckDB's executemany is row by row)."""
    if not rows:
        return
    import pyarrow as pa

    data = pa.table({c: [r[i] for r in rows] for i, c in enumerate(cols)})
    con.register("_dossier_rows", data)
    try:
        if temp:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM _dossier_rows")
        else:
            names = ", ".join(cols)
            con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _dossier_rows")
    finally:
        con.unregister("_dossier_rows")


def _begin(con: duckdb.DuckDBPyConnection) -> bool:
    """Start a transaction unless the caller already holds one; return whether we own it."""
    try:
        con.execute("BEGIN TRANSACTION")
    except duckdb.TransactionException:
        return False
    return True
