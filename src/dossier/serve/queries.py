"""Queries behind the API and the pages: plain functions over a `StoreReader`.

Values from requests only ever reach SQL as parameters. Fused tables (built by the fuse
stage, see docs/views.md) may be absent in a store: each function then falls back to the
per-document rows or returns an empty result with `available=False`, never an error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dossier.serve import index
from dossier.serve.db import Row, StoreReader


@dataclass(slots=True)
class Page:
    """One page of a list, with the total number of matching rows."""

    items: list[Row]
    total: int
    limit: int
    offset: int
    available: bool = True  # False when the table behind the list is absent from this store
    note: str | None = None

    def as_json(self) -> dict[str, Any]:
        """Return the page as the API's JSON body."""
        body: dict[str, Any] = {"items": self.items, "total": self.total, "limit": self.limit, "offset": self.offset}
        if self.offset + len(self.items) < self.total:
            body["next_offset"] = self.offset + len(self.items)
        if not self.available:
            body["note"] = self.note
        return body


@dataclass(slots=True)
class Filters:
    """Filters shared by the list endpoints; None means "any"."""

    actor: str | None = None
    type: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    outlet: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Where:
    """Collects SQL conditions and their parameters."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    @property
    def sql(self) -> str:
        return ("WHERE " + " AND ".join(self.clauses)) if self.clauses else ""


def _page(reader: StoreReader, select: str, base: str, where: Where, order: str, limit: int, offset: int) -> Page:
    total = int(reader.scalar(f"SELECT count(*) {base} {where.sql}", where.params) or 0)
    items = reader.rows(
        f"SELECT {select} {base} {where.sql} ORDER BY {order} LIMIT ? OFFSET ?", [*where.params, limit, offset]
    )
    return Page(items, total, limit, offset)


def _absent(what: str, limit: int, offset: int) -> Page:
    return Page(
        [],
        0,
        limit,
        offset,
        available=False,
        note=f"this store has no {what}; rebuild it with a Dossier that includes the fuse stage",
    )


# --------------------------------------------------------------------------- counts


COUNTED = (
    "documents",
    "entities",
    "events",
    "figures",
    "quotes",
    "evidence",
    "fused_events",
    "figure_series",
    "contradictions",
)


def counts(reader: StoreReader) -> dict[str, int | None]:
    """Row counts of the main tables; None for a table this store does not have."""
    return reader.memo(("counts",), lambda: _counts(reader))


def _counts(reader: StoreReader) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for table in COUNTED:
        out[table] = int(reader.scalar(f"SELECT count(*) FROM {table}")) if reader.has(table) else None  # fixed names
    if reader.has("entities", "merged_into"):
        out["entities"] = int(reader.scalar("SELECT count(*) FROM entities WHERE merged_into IS NULL"))
    for status in ("ok", "failed", "skipped"):
        out[f"documents_{status}"] = int(reader.scalar("SELECT count(*) FROM documents WHERE status = ?", [status]))
    return out


# --------------------------------------------------------------------------- documents


DOC_COLUMNS = (
    "d.doc_id, d.name, d.source, d.url, d.status, d.title, d.outlet, d.site_name, d.wire, d.authors, "
    "d.language, d.published_date, d.published_precision, d.published_basis, d.version, d.supersedes"
)


def list_documents(reader: StoreReader, f: Filters, limit: int, offset: int, status: str | None = None) -> Page:
    """Documents, newest first."""
    where = Where()
    if status:
        where.add("d.status = ?", status)
    _doc_filters(where, f, "d")
    return _page(
        reader, DOC_COLUMNS, "FROM documents d", where, "d.published_date DESC NULLS LAST, d.doc_id", limit, offset
    )


def _doc_filters(where: Where, f: Filters, alias: str) -> None:
    if f.outlet:
        where.add(f"(lower({alias}.outlet) = lower(?) OR lower({alias}.site_name) = lower(?))", f.outlet, f.outlet)
    if f.since:
        where.add(f"{alias}.published_date >= ?", f.since)
    if f.until:
        where.add(f"{alias}.published_date <= ?", f.until)


def get_document(reader: StoreReader, doc_id: str) -> Row | None:
    """One document with its body and every evidence span in it."""
    doc = reader.row(
        f"SELECT {DOC_COLUMNS}, d.body, d.error_class, d.error_message, d.stage FROM documents d WHERE d.doc_id = ?",
        [doc_id],
    )
    if doc is None:
        return None
    doc["evidence"] = reader.rows(
        'SELECT evidence_id, start, "end", body_start, body_end, text FROM evidence WHERE doc_id = ? '
        "ORDER BY body_start",
        [doc_id],
    )
    parent = (
        "(SELECT m.fused_event_id FROM fused_event_members m WHERE m.event_id = e.event_id LIMIT 1)"
        if has_fused(reader)
        else "NULL"
    )
    doc["events"] = reader.rows(
        f"SELECT e.event_id, {parent} AS fused_event_id, e.type, e.mode, e.date, e.precision, e.negated, "
        "ev.text AS evidence FROM events e JOIN evidence ev ON ev.evidence_id = e.evidence_id WHERE e.doc_id = ? "
        "ORDER BY ev.body_start",
        [doc_id],
    )
    return doc


def failures(reader: StoreReader, limit: int, offset: int) -> Page:
    """Every failed or skipped input of every build, newest first."""
    return _page(
        reader,
        "f.source, f.name, f.doc_id, f.stage, f.status, f.error_class, f.message, f.failed_at",
        "FROM failures f",
        Where(),
        "f.failed_at DESC, f.source",
        limit,
        offset,
    )


# --------------------------------------------------------------------------- entities


def list_entities(
    reader: StoreReader,
    limit: int,
    offset: int,
    *,
    type: str | None = None,
    country: str | None = None,
    q: str | None = None,
) -> Page:
    """Canonical entities with how many events they take part in, most active first."""
    key = ("entities", limit, offset, type, country, q)
    return reader.memo(key, lambda: _list_entities(reader, limit, offset, type, country, q))


def _list_entities(
    reader: StoreReader, limit: int, offset: int, type: str | None, country: str | None, q: str | None
) -> Page:
    where = Where()
    where.add("n.merged_into IS NULL")
    if type:
        where.add("n.type = ?", type)
    if country:
        where.add("upper(n.country) = upper(?)", country)
    if q:
        where.add(
            "(contains(lower(n.name), lower(?)) OR n.entity_id IN "
            "(SELECT entity_id FROM entity_aliases WHERE contains(norm, lower(?))))",
            q,
            q,
        )
    counted = (
        f"{index.SCHEMA}.entity_events"  # precomputed at build time
        if index.ready(reader, "entities")
        else "(SELECT entity_id, count(DISTINCT event_id) AS events FROM event_participants "
        "WHERE entity_id IS NOT NULL GROUP BY entity_id)"
    )
    base = f"FROM entities n LEFT JOIN {counted} c ON c.entity_id = n.entity_id"
    return _page(
        reader,
        "n.entity_id, n.name, n.type, n.country, n.sector, n.roles, coalesce(c.events, 0) AS events",
        base,
        where,
        "events DESC, n.name, n.entity_id",
        limit,
        offset,
    )


def get_entity(reader: StoreReader, entity_id: str) -> Row | None:
    """An entity with aliases, roles, country, its events, quotes and figures.

    A merged entity id resolves to the entity it was merged into.
    """
    ent = reader.row(
        "SELECT entity_id, name, type, country, sector, roles, dictionary_id, merged_into "
        "FROM entities WHERE entity_id = ?",
        [entity_id],
    )
    seen = {entity_id}
    while ent is not None and ent["merged_into"] and ent["merged_into"] not in seen:
        seen.add(ent["merged_into"])
        ent = reader.row(
            "SELECT entity_id, name, type, country, sector, roles, dictionary_id, merged_into "
            "FROM entities WHERE entity_id = ?",
            [ent["merged_into"]],
        )
    if ent is None:
        return None
    eid = ent["entity_id"]
    ent["aliases"] = [
        r["alias"]
        for r in reader.rows(
            "SELECT alias, count(*) AS n FROM entity_aliases WHERE entity_id = ? GROUP BY alias ORDER BY n DESC, alias",
            [eid],
        )
    ]
    ent["events"] = list_events(reader, Filters(actor=eid), 200, 0).items
    ent["quotes"] = reader.rows(
        "SELECT q.quote_id, q.doc_id, q.speaker, q.target, q.stance, q.text, q.direct, d.outlet, d.published_date, "
        "CASE WHEN q.speaker_entity_id = ? THEN 'speaker' ELSE 'target' END AS role "
        "FROM quotes q JOIN documents d ON d.doc_id = q.doc_id "
        "WHERE q.speaker_entity_id = ? OR q.target_entity_id = ? ORDER BY d.published_date NULLS LAST, q.quote_id "
        "LIMIT 200",
        [eid, eid, eid],
    )
    ent["figures"] = reader.rows(
        "SELECT f.figure_id, f.doc_id, f.value, f.qualifier, f.unit, f.category, f.subject, f.as_of, "
        "f.as_of_precision, f.surface, ev.text AS evidence, d.outlet "
        "FROM figures f JOIN evidence ev ON ev.evidence_id = f.evidence_id JOIN documents d ON d.doc_id = f.doc_id "
        "WHERE f.evidence_id IN (SELECT m.evidence_id FROM mentions m JOIN doc_entities de "
        "ON de.doc_entity_id = m.doc_entity_id WHERE de.entity_id = ?) "
        "OR lower(f.subject) = lower(?) OR lower(f.source) = lower(?) "
        "ORDER BY f.as_of NULLS LAST, f.figure_id LIMIT 200",
        [eid, ent["name"], ent["name"]],
    )
    return ent


# --------------------------------------------------------------------------- events

EVENT_TYPES = (
    "AGREE",
    "CONSULT",
    "SUPPORT",
    "CONCEDE",
    "COOPERATE",
    "AID",
    "RETREAT",
    "REQUEST",
    "ACCUSE",
    "REJECT",
    "THREATEN",
    "PROTEST",
    "SANCTION",
    "MOBILIZE",
    "COERCE",
    "ASSAULT",
)


def _actor_clause(where: Where, actor: str, participants: str, id_col: str) -> None:
    where.add(
        f"{id_col} IN (SELECT p.{_pid(participants)} FROM {participants} p LEFT JOIN entities n "
        "ON n.entity_id = p.entity_id WHERE p.entity_id = ? OR lower(p.name) = lower(?) OR lower(n.name) = lower(?))",
        actor,
        actor,
        actor,
    )


def _pid(participants: str) -> str:
    return "fused_id" if participants == "fused_participants" else "event_id"


def list_events(reader: StoreReader, f: Filters, limit: int, offset: int) -> Page:
    """Events in date order with actors, targets, outlets and one evidence line each.

    Per-document events; see `fused` for the cross-source version when the store has it.
    """
    where = Where()
    if f.type:
        where.add("e.type = ?", f.type)
    if f.since:
        where.add("e.date >= ?", f.since)
    if f.until:
        where.add("e.date <= ?", f.until)
    if f.outlet:
        where.add("(lower(d.outlet) = lower(?) OR lower(d.site_name) = lower(?))", f.outlet, f.outlet)
    if f.actor:
        _actor_clause(where, f.actor, "event_participants", "e.event_id")
    base = "FROM events e JOIN documents d ON d.doc_id = e.doc_id"
    page = _page(
        reader,
        "e.event_id, e.doc_id, e.type, e.mode, e.date, e.precision, e.place, e.negated, e.source, "
        "d.outlet, d.name AS document, d.published_date, e.evidence_id",
        base,
        where,
        "e.date NULLS LAST, e.event_id",
        limit,
        offset,
    )
    _attach_participants(reader, page.items)
    _attach_evidence(reader, page.items)
    return page


def _attach_evidence(reader: StoreReader, items: list[Row]) -> None:
    """Replace each row's `evidence_id` by its sentence (`evidence`), after paging.

    One scan of the id column for the page's ids (the evidence table has no key index: see
    store/schema.sql); joining before the LIMIT would read every row's text.
    """
    ids = [r["evidence_id"] for r in items]
    texts: dict[str, str] = {}
    if ids:
        marks = ", ".join("?" for _ in ids)
        texts = {
            r["evidence_id"]: r["text"]
            for r in reader.rows(f"SELECT evidence_id, text FROM evidence WHERE evidence_id IN ({marks})", ids)
        }
    for row in items:
        row["evidence"] = texts.get(row.pop("evidence_id"), "")


def _attach_participants(reader: StoreReader, items: list[Row]) -> None:
    ids = [r["event_id"] for r in items]
    by_event: dict[str, dict[str, list[Row]]] = {i: {"actor": [], "target": []} for i in ids}
    if ids:
        for p in reader.rows(
            "SELECT p.event_id, p.role, p.name, p.entity_id FROM event_participants p "
            "WHERE list_contains(?, p.event_id) ORDER BY p.event_id, p.role, p.position",
            [ids],
        ):
            by_event[p["event_id"]].setdefault(p["role"], []).append({"name": p["name"], "entity_id": p["entity_id"]})
    for row in items:
        row["actors"] = by_event[row["event_id"]]["actor"]
        row["targets"] = by_event[row["event_id"]]["target"]


def get_event(reader: StoreReader, event_id: str) -> Row | None:
    """One per-document event with its participants and every evidence span."""
    page = _page(
        reader,
        "e.*, d.outlet, d.name AS document, d.published_date",
        "FROM events e JOIN documents d ON d.doc_id = e.doc_id",
        _where_eq("e.event_id", event_id),
        "e.event_id",
        1,
        0,
    )
    if not page.items:
        return None
    event = page.items[0]
    _attach_participants(reader, [event])
    event["mentions"] = _mention_sources(reader, [event_id])
    return event


def _where_eq(col: str, value: Any) -> Where:
    where = Where()
    where.add(f"{col} = ?", value)
    return where


def _mention_sources(reader: StoreReader, event_ids: Sequence[str]) -> list[Row]:
    """Per document: the article with the evidence spans of these events."""
    spans = reader.rows(
        "SELECT x.event_id, ev.evidence_id, ev.doc_id, ev.body_start, ev.body_end, ev.text FROM "
        "(SELECT event_id, evidence_id FROM events WHERE list_contains(?, event_id) "
        " UNION SELECT event_id, evidence_id FROM event_evidence WHERE list_contains(?, event_id)) x "
        "JOIN evidence ev ON ev.evidence_id = x.evidence_id ORDER BY ev.doc_id, ev.body_start",
        [list(event_ids), list(event_ids)],
    )
    docs: dict[str, Row] = {}
    for span in spans:
        doc = docs.get(span["doc_id"])
        if doc is None:
            doc = reader.row(
                "SELECT doc_id, name, title, outlet, url, published_date, published_precision, body "
                "FROM documents WHERE doc_id = ?",
                [span["doc_id"]],
            ) or {"doc_id": span["doc_id"]}
            doc["spans"] = []
            docs[span["doc_id"]] = doc
        if all(s["evidence_id"] != span["evidence_id"] for s in doc["spans"]):
            doc["spans"].append(span)
    return sorted(docs.values(), key=lambda d: (d.get("published_date") or dt.date.max, d["doc_id"]))


# --------------------------------------------------------------------------- fused events

FUSED_COLUMNS = (
    "f.fused_event_id, f.type, f.mode, f.date, f.precision, f.date_start, f.date_end, f.place, "
    "f.negated, f.actors, f.actor_ids, f.targets, f.target_ids, f.sources, f.n_mentions, "
    "f.n_documents, f.n_sources, f.documents, f.outlets, f.first_reported, f.evidence, "
    "f.quad_class, f.weight"
)


def has_fused(reader: StoreReader) -> bool:
    """True when the store has the fuse stage's tables."""
    return (
        reader.has("fused_events", "fused_event_id", "date_start")
        and reader.has("fused_event_participants")
        and reader.has("fused_event_members")
    )


def fused(reader: StoreReader, f: Filters, limit: int, offset: int) -> Page:
    """Fused events (one per real-world event) in date order, filtered.

    Without fuse tables, each per-document event stands alone, in the same shape.
    """
    if not has_fused(reader):
        page = list_events(reader, f, limit, offset)
        page.items = [_event_as_fused(r) for r in page.items]
        page.note = "no fused events in this store: each article's events are listed separately"
        return page
    if index.ready(reader, "fused"):
        return _fused_indexed(reader, f, limit, offset)
    where = Where()
    if f.type:
        where.add("f.type = ?", f.type)
    if f.since:
        where.add("f.date_end >= ?", f.since)
    if f.until:
        where.add("f.date_start <= ?", f.until)
    if f.outlet:
        where.add(
            "f.fused_event_id IN (SELECT fused_event_id FROM fused_event_members WHERE lower(outlet) = lower(?))",
            f.outlet,
        )
    if f.actor:
        where.add(
            "f.fused_event_id IN (SELECT p.fused_event_id FROM fused_event_participants p WHERE p.role = 'actor' AND "
            "(p.entity_id = ? OR p.entity_key = ? OR lower(p.name) = lower(?) OR p.entity_id IN "
            "(SELECT entity_id FROM entity_aliases WHERE lower(alias) = lower(?))))",
            f.actor,
            f.actor,
            f.actor,
            f.actor,
        )
    participant = f.extra.get("participant")
    if participant:
        where.add(
            "f.fused_event_id IN (SELECT fused_event_id FROM fused_event_participants WHERE entity_id = ? "
            "OR entity_key = ?)",
            participant,
            participant,
        )
    order = "f.date_start NULLS LAST, f.precision, f.type, f.fused_event_id"
    if not where.clauses:
        # The unfiltered timeline is the most requested list: its order is computed once (the
        # store is read-only while served) and any page, however deep, is a slice of it.
        ordered: list[str] = reader.memo(
            ("fused-order",),
            lambda: [
                r[0]
                for r in reader.cursor()
                .execute(f"SELECT f.fused_event_id FROM fused_events f ORDER BY {order}")
                .fetchall()
            ],
        )
        ids, total = ordered[offset : offset + limit], len(ordered)
    else:
        # Sort narrow rows (ids only), then read the page's wide rows by id.
        total = int(reader.scalar(f"SELECT count(*) FROM fused_events f {where.sql}", where.params) or 0)
        ids = [
            r["fused_event_id"]
            for r in reader.rows(
                f"SELECT f.fused_event_id FROM fused_events f {where.sql} ORDER BY {order} LIMIT ? OFFSET ?",
                [*where.params, limit, offset],
            )
        ]
    items: list[Row] = []
    if ids:
        marks = ", ".join("?" for _ in ids)
        by_id = {
            r["fused_event_id"]: r
            for r in reader.rows(f"SELECT {FUSED_COLUMNS} FROM fused_events f WHERE f.fused_event_id IN ({marks})", ids)
        }
        items = [by_id[i] for i in ids if i in by_id]
    return Page(items, total, limit, offset)


def _fused_indexed(reader: StoreReader, f: Filters, limit: int, offset: int) -> Page:
    """`fused` over the serve index: the page's ids from narrow rows first, then their wide rows.

    Each filter key (actor, participant, outlet) reads one contiguous run of the key-sorted
    table, whose rows carry the sort fields; type and dates filter those rows.
    """
    s = index.SCHEMA
    keys: list[tuple[str, list[Any]]] = []
    if f.actor:
        keys.append(("key IN ('a:' || ?, 'n:' || lower(?))", [f.actor, f.actor]))
    participant = f.extra.get("participant")
    if participant:
        keys.append(("key = 'p:' || ?", [participant]))
    if f.outlet:
        keys.append(("key = 'o:' || lower(?)", [f.outlet]))
    where = Where()
    if f.type:
        where.add("type = ?", f.type)
    if f.since:
        where.add("date_end >= ?", f.since)
    if f.until:
        where.add("date_start <= ?", f.until)
    cols = ", ".join(f"w.{c.strip()}" for c in index.FUSED_COLUMNS.split(","))
    table, order = f"{s}.fused", index.FUSED_ORDER
    if not keys and not where.clauses:
        return _range_page(reader, table, cols, "fused_event_id", order, limit, offset)
    narrow = "fused_event_id, date_start, precision, type"
    if keys:
        first, first_params = keys[0]
        where.clauses.insert(0, first)
        where.params[0:0] = first_params
        for clause, params in keys[1:]:
            where.add(f"fused_event_id IN (SELECT fused_event_id FROM {s}.fused_keys WHERE {clause})", *params)
        matching = f"SELECT DISTINCT {narrow} FROM {s}.fused_keys {where.sql}"
    else:
        matching = f"SELECT {narrow} FROM {table} {where.sql}"
    return _ranked_page(reader, table, cols, "fused_event_id", order, matching, where.params, limit, offset)


def _by_ids(reader: StoreReader, table: str, cols: str, id_col: str, ids: list[Any]) -> list[Row]:
    """The wide rows of `ids` (one scan of the id column, no wide column read), in the order of `ids`."""
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    by_id = {r[id_col]: r for r in reader.rows(f"SELECT {cols} FROM {table} w WHERE w.{id_col} IN ({marks})", ids)}
    return [by_id[i] for i in ids if i in by_id]


def _ranked_page(
    reader: StoreReader,
    table: str,
    cols: str,
    id_col: str,
    order: str,
    matching: str,
    params: list[Any],
    limit: int,
    offset: int,
) -> Page:
    """One page of an index table: the matching rows' ids sorted by `order` (narrow), then their wide rows.

    `matching` selects the id and every column of `order`; the total is counted over the
    same rows, in the same query.
    """
    rows = reader.rows(
        f"SELECT {id_col}, count(*) OVER () AS total FROM ({matching}) m ORDER BY {order} LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    if rows:
        total = int(rows[0]["total"])
    else:
        total = int(reader.scalar(f"SELECT count(*) FROM ({matching})", params) or 0) if offset else 0
    return Page(_by_ids(reader, table, cols, id_col, [r[id_col] for r in rows]), total, limit, offset)


def _range_page(reader: StoreReader, table: str, cols: str, id_col: str, order: str, limit: int, offset: int) -> Page:
    """One page of an unfiltered index table: a slice of its ids in `order`, computed once per reader.

    The store is read-only while served, so any page, however deep, is a slice of that list.
    """
    ordered: list[Any] = reader.memo(
        ("index-order", table),
        lambda: [r[0] for r in reader.cursor().execute(f"SELECT {id_col} FROM {table} ORDER BY {order}").fetchall()],
    )
    return Page(_by_ids(reader, table, cols, id_col, ordered[offset : offset + limit]), len(ordered), limit, offset)


def _event_as_fused(row: Row) -> Row:
    return {
        "fused_event_id": row["event_id"],
        "type": row["type"],
        "mode": row["mode"],
        "date": row["date"],
        "precision": row["precision"],
        "place": row["place"],
        "negated": row["negated"],
        "actors": [a["name"] for a in row["actors"]],
        "actor_ids": [a["entity_id"] for a in row["actors"]],
        "targets": [t["name"] for t in row["targets"]],
        "target_ids": [t["entity_id"] for t in row["targets"]],
        "sources": [row["source"]] if row["source"] else [],
        "n_mentions": 1,
        "n_documents": 1,
        "n_sources": 1,
        "documents": [row["document"]],
        "outlets": [row["outlet"]] if row["outlet"] else [],
        "first_reported": row["published_date"],
        "evidence": [row["evidence"]],
    }


_EVENT_SOURCES = """
WITH sp AS (
    SELECT doc_id, list({{'event_id': event_id, 'evidence_id': evidence_id, 'doc_id': doc_id, 'body_start': body_start,
        'body_end': body_end, 'text': text}} ORDER BY body_start, evidence_id) AS spans
    FROM {s}.event_spans WHERE fused_event_id = $id GROUP BY doc_id
),
docs AS (
    SELECT list({{'doc_id': sp.doc_id, 'name': d.name, 'title': d.title, 'outlet': d.outlet, 'url': d.url,
        'published_date': d.published_date, 'published_precision': d.published_precision, 'body': d.body,
        'spans': sp.spans}}) AS docs
    FROM sp LEFT JOIN documents d ON d.doc_id = sp.doc_id
),
mem AS (
    SELECT list({{'event_id': event_id, 'doc_id': doc_id, 'document': document, 'outlet': outlet,
        'published_date': published_date, 'date': date, 'precision': precision, 'negated': negated,
        'evidence': evidence, 'is_copy': is_copy}} ORDER BY published_date NULLS LAST, event_id) AS members
    FROM {s}.fused_members WHERE fused_event_id = $id
),
par AS (
    SELECT list({{'role': role, 'position': position, 'entity_key': entity_key, 'entity_id': entity_id,
        'name': name, 'country': country}} ORDER BY role, position) AS participants
    FROM {s}.fused_participants WHERE fused_event_id = $id
)
SELECT par.participants, mem.members, docs.docs FROM par, mem, docs
"""


def _attach_sources(reader: StoreReader, event: Row) -> None:
    """Participants, members, evidence spans and each article's body (once) in one query (serve index)."""
    got = reader.cursor().execute(_EVENT_SOURCES.format(s=index.SCHEMA), {"id": event["fused_event_id"]}).fetchone()
    participants, members, docs = (got[0] or [], got[1] or [], got[2] or []) if got else ([], [], [])
    event["participants"] = participants
    event["members"] = members
    copies = {m["doc_id"] for m in members if m["is_copy"]}
    for doc in docs:
        doc["is_copy"] = doc["doc_id"] in copies
    event["mentions"] = sorted(docs, key=lambda d: (d.get("published_date") or dt.date.max, d["doc_id"]))


def get_fused(reader: StoreReader, event_id: str) -> Row | None:
    """A fused event (or, by its id, a per-document event) with every evidence span in its article."""
    if has_fused(reader):
        fast = index.ready(reader, "fused")
        if fast:
            cols = ", ".join(f"w.{c.strip()}" for c in index.FUSED_COLUMNS.split(","))
            event = reader.row(f"SELECT {cols} FROM {index.SCHEMA}.fused w WHERE w.fused_event_id = ?", [event_id])
        else:
            event = reader.row(f"SELECT {FUSED_COLUMNS} FROM fused_events f WHERE f.fused_event_id = ?", [event_id])
        if event is None:
            parent = reader.scalar("SELECT fused_event_id FROM fused_event_members WHERE event_id = ?", [event_id])
            if parent is not None:
                return {"redirect": parent}
        if event is not None and fast:
            _attach_sources(reader, event)
            return event
        if event is not None:
            event["participants"] = reader.rows(
                "SELECT role, position, entity_key, entity_id, name, country FROM fused_event_participants "
                "WHERE fused_event_id = ? ORDER BY role, position",
                [event_id],
            )
            event["members"] = reader.rows(
                "SELECT event_id, doc_id, document, outlet, published_date, date, precision, negated, evidence, "
                "is_copy FROM fused_event_members WHERE fused_event_id = ? "
                "ORDER BY published_date NULLS LAST, event_id",
                [event_id],
            )
            event["mentions"] = _mention_sources(reader, [m["event_id"] for m in event["members"]])
            copies = {m["doc_id"] for m in event["members"] if m["is_copy"]}
            for doc in event["mentions"]:
                doc["is_copy"] = doc["doc_id"] in copies
            return event
    raw = get_event(reader, event_id)
    if raw is None:
        return None
    event = _event_as_fused({**raw, "evidence": raw["mentions"][0]["spans"][0]["text"] if raw["mentions"] else ""})
    event["participants"] = [{"role": "actor", "name": a["name"], "entity_id": a["entity_id"]} for a in raw["actors"]]
    event["participants"] += [
        {"role": "target", "name": t["name"], "entity_id": t["entity_id"]} for t in raw["targets"]
    ]
    event["mentions"] = raw["mentions"]
    event["trigger"], event["pattern"], event["date_rule"] = raw["trigger"], raw["pattern"], raw["date_rule"]
    return event


# --------------------------------------------------------------------------- figures, series, quotes


def list_figures(reader: StoreReader, f: Filters, limit: int, offset: int) -> Page:
    """Figures with their evidence, by as-of date."""
    if index.ready(reader, "figures"):
        return _figures_indexed(reader, f, limit, offset)
    where = Where()
    if f.type:
        where.add("fg.category = ?", f.type)
    if f.since:
        where.add("fg.as_of >= ?", f.since)
    if f.until:
        where.add("fg.as_of <= ?", f.until)
    if f.outlet:
        where.add("lower(d.outlet) = lower(?)", f.outlet)
    if f.actor:
        where.add("(contains(lower(fg.subject), lower(?)) OR lower(fg.source) = lower(?))", f.actor, f.actor)
    base = "FROM figures fg JOIN documents d ON d.doc_id = fg.doc_id"
    page = _page(
        reader,
        "fg.figure_id, fg.doc_id, fg.value, fg.qualifier, fg.unit, fg.category, fg.subject, "
        "fg.source, fg.as_of, fg.as_of_precision, fg.surface, d.outlet, d.name AS document, fg.evidence_id",
        base,
        where,
        "fg.as_of NULLS LAST, fg.figure_id",
        limit,
        offset,
    )
    _attach_evidence(reader, page.items)
    return page


FIGURE_COLUMNS = (
    "w.figure_id, w.doc_id, w.value, w.qualifier, w.unit, w.category, w.subject, w.source, w.as_of, "
    "w.as_of_precision, w.surface, w.outlet, w.document, w.evidence"
)


def _figures_indexed(reader: StoreReader, f: Filters, limit: int, offset: int) -> Page:
    """`list_figures` over the serve index: filters on narrow lower-cased columns, page in as-of order."""
    table = f"{index.SCHEMA}.figures"
    where = Where()
    if f.type:
        where.add("category = ?", f.type)
    if f.since:
        where.add("as_of >= ?", f.since)
    if f.until:
        where.add("as_of <= ?", f.until)
    if f.outlet:
        where.add("outlet_l = lower(?)", f.outlet)
    if f.actor:
        where.add("(contains(subject_l, lower(?)) OR source_l = lower(?))", f.actor, f.actor)
    order = index.FIGURES_ORDER
    if not where.clauses:
        return _range_page(reader, table, FIGURE_COLUMNS, "figure_id", order, limit, offset)
    matching = f"SELECT figure_id, as_of FROM {table} {where.sql}"
    return _ranked_page(reader, table, FIGURE_COLUMNS, "figure_id", order, matching, where.params, limit, offset)


SERIES_COLUMNS = (
    "s.series_id, s.category, s.unit, s.subject, s.n_figures, s.n_documents, s.n_sources, "
    "s.first_as_of, s.last_as_of, s.first_value, s.last_value, s.min_value, s.max_value, s.trend, "
    "s.goes_backwards, s.outlets"
)


def list_series(reader: StoreReader, limit: int, offset: int, category: str | None = None) -> Page:
    """Figure series, the largest first."""
    if not reader.has("figure_series", "series_id") or not reader.has("figure_series_members"):
        return _absent("figure series", limit, offset)
    where = Where()
    if category:
        where.add("s.category = ?", category)
    return _page(
        reader,
        SERIES_COLUMNS,
        "FROM figure_series s",
        where,
        "s.n_documents DESC, s.n_figures DESC, s.series_id",
        limit,
        offset,
    )


def get_series(reader: StoreReader, series_id: str) -> Row | None:
    """A figure series with its members in as-of order."""
    if not reader.has("figure_series", "series_id") or not reader.has("figure_series_members"):
        return None
    series = reader.row(f"SELECT {SERIES_COLUMNS} FROM figure_series s WHERE s.series_id = ?", [series_id])
    if series is None:
        return None
    series["members"] = reader.rows(
        "SELECT figure_id, ordinal, doc_id, document, outlet, value, qualifier, unit, subject, as_of, as_of_precision, "
        "backwards, evidence_id, evidence FROM figure_series_members WHERE series_id = ? ORDER BY ordinal",
        [series_id],
    )
    return series


def list_quotes(reader: StoreReader, f: Filters, limit: int, offset: int, stance: str | None = None) -> Page:
    """Quotes with speaker, target and stance."""
    where = Where()
    if stance:
        where.add("q.stance = ?", stance)
    if f.actor:
        where.add("(q.speaker_entity_id = ? OR lower(q.speaker) = lower(?))", f.actor, f.actor)
    _doc_filters(where, f, "d")
    return _page(
        reader,
        "q.quote_id, q.doc_id, q.speaker, q.speaker_entity_id, q.target, q.target_entity_id, "
        "q.stance, q.text, q.direct, d.outlet, d.name AS document, d.published_date",
        "FROM quotes q JOIN documents d ON d.doc_id = q.doc_id",
        where,
        "d.published_date NULLS LAST, q.quote_id",
        limit,
        offset,
    )


def list_contradictions(reader: StoreReader, limit: int, offset: int, kind: str | None = None) -> Page:
    """Contradictions between sources, both sides with evidence."""
    if not reader.has("contradictions", "contradiction_id", "a_evidence"):
        return _absent("contradictions table", limit, offset)
    where = Where()
    if kind:
        where.add("c.kind = ?", kind)
    return _page(reader, "c.*", "FROM contradictions c", where, "c.kind, c.contradiction_id", limit, offset)


# --------------------------------------------------------------------------- dyads and dashboard


def list_dyads(
    reader: StoreReader,
    limit: int,
    offset: int,
    *,
    level: str = "country",
    actor: str | None = None,
    target: str | None = None,
) -> Page:
    """Monthly cooperation/conflict per ordered actor→target pair (from `dyad_trend`)."""
    if not reader.has("dyad_trend", "score"):
        return _absent("dyad trend", limit, offset)
    where = Where()
    where.add("t.level = ?", level)
    if actor:
        where.add("(t.actor = ? OR lower(t.actor_name) = lower(?))", actor, actor)
    if target:
        where.add("(t.target = ? OR lower(t.target_name) = lower(?))", target, target)
    return _page(
        reader,
        "t.level, t.actor, t.actor_name, t.target, t.target_name, t.month, t.n_events, "
        "t.n_cooperation, t.n_conflict, t.score, t.mean_weight",
        "FROM dyad_trend t",
        where,
        "t.actor, t.target, t.month",
        limit,
        offset,
    )


def top_dyads(reader: StoreReader, count: int = 3) -> tuple[str, list[Row]]:
    """The most active dyads (country level when there are any, else entity level)."""
    if not reader.has("dyad_trend", "score"):
        return "country", []
    for level in ("country", "entity"):
        rows = reader.rows(
            "SELECT actor, any_value(actor_name) AS actor_name, target, any_value(target_name) AS target_name, "
            "sum(n_events)::INTEGER AS n_events, sum(score) AS score FROM dyad_trend WHERE level = ? "
            "GROUP BY actor, target ORDER BY n_events DESC, actor, target LIMIT ?",
            [level, count],
        )
        if rows:
            return level, rows
    return "country", []


def dyad_months(reader: StoreReader, level: str, pairs: Sequence[Row]) -> list[Row]:
    """Monthly scores of the given dyads."""
    out: list[Row] = []
    for pair in pairs:
        out.extend(
            reader.rows(
                "SELECT actor, target, month, n_events, n_cooperation, n_conflict, score FROM dyad_trend "
                "WHERE level = ? AND actor = ? AND target = ? ORDER BY month",
                [level, pair["actor"], pair["target"]],
            )
        )
    return out


def events_by_month(reader: StoreReader) -> list[Row]:
    """Fused (or per-document) events with a day or month date, counted per month and type."""
    if has_fused(reader) and index.ready(reader, "fused"):
        return reader.rows(f"SELECT month, type, n FROM {index.SCHEMA}.months ORDER BY month, type")
    if has_fused(reader):
        return reader.rows(
            "SELECT date_trunc('month', date_start)::DATE AS month, type, count(*)::INTEGER AS n FROM fused_events "
            "WHERE precision IN ('day', 'month') AND date_start IS NOT NULL GROUP BY ALL ORDER BY month, type"
        )
    return reader.rows(
        "SELECT date_trunc('month', date)::DATE AS month, type, count(*)::INTEGER AS n FROM events "
        "WHERE precision IN ('day', 'month') AND date IS NOT NULL GROUP BY ALL ORDER BY month, type"
    )


def top_entities(reader: StoreReader, count: int = 10) -> list[Row]:
    """Entities taking part in the most events."""
    return list_entities(reader, count, 0).items
