"""The store writer: batches of pipeline results into DuckDB, in one transaction.

The rows come prepared (`dossier.store.rows`, built by the worker that ran the pipeline,
or here by `write_batch`); the writer passes over documents already stored, numbers
versions, fills the columns only the driver knows and inserts each table's rows in bulk.

A document already in the store is never written again (the batch skips it), so a batch
replayed after a crash adds nothing twice. A document whose source is already stored
with other bytes is a new version: `version` = previous + 1, `supersedes` = previous id.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from dossier.errors import StoreError
from dossier.extract.records import ArticleExtraction
from dossier.ingest.records import InputFailure
from dossier.store.connection import arrow_stream, transaction
from dossier.store.rows import (
    DRIVER_COLUMNS,
    ITEM,
    TABLES,
    PreparedBatch,
    PreparedDoc,
    Rows,
    SiteLinesFn,
    prepare_batch,
)

if TYPE_CHECKING:
    from dossier.pipeline import StageResult

log = logging.getLogger(__name__)

# Distinct stories kept per learnt line: enough to tell "in N different articles" for any
# site_line_min_docs up to this.
MAX_STORIES = 16


@dataclass(frozen=True, slots=True)
class DocMeta:
    """What the driver knew about a document when it sent it to the pipeline.

    Extractions and pipeline failures do not carry the encoding or byte size (and a
    failure not the raw text); the writer takes them from here when given.
    """

    media_type: str | None = None
    encoding: str | None = None
    byte_size: int | None = None
    url: str | None = None
    raw: str | None = None
    hints: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WriteStats:
    """What one batch added to the store."""

    ok: int = 0
    failed: int = 0
    skipped: int = 0
    already_stored: int = 0  # results whose doc_id was in the store (or twice in the batch)
    new_versions: int = 0
    entities: int = 0
    events: int = 0
    figures: int = 0
    quotes: int = 0

    def __add__(self, other: WriteStats) -> WriteStats:
        return WriteStats(*(getattr(self, f) + getattr(other, f) for f in self.__slots__))


def result_doc_id(result: StageResult) -> str:
    """Return the document id a pipeline result belongs to."""
    if isinstance(result, ArticleExtraction):
        return result.article.doc_id
    if result.doc_id:
        return result.doc_id
    return hashlib.sha256(f"missing:{result.source}".encode()).hexdigest()


def _known(con: duckdb.DuckDBPyConnection, doc_ids: list[str]) -> set[str]:
    if not doc_ids:
        return set()
    rows = con.execute("SELECT doc_id FROM documents WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))", [doc_ids])
    return {r[0] for r in rows.fetchall()}


# Failures of these stages say nothing about the document (its worker died): they are
# recorded in `failures` only, and the document is processed again by the next build.
RETRYABLE_STAGES = frozenset({"worker"})


def known_doc_ids(con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str]) -> set[str]:
    """Return which of `doc_ids` are already stored."""
    return _known(con, list(doc_ids))


def _latest_versions(con: duckdb.DuckDBPyConnection, sources: list[str]) -> dict[str, tuple[int, str]]:
    if not sources:
        return {}
    rows = con.execute(
        "SELECT source, max(version), arg_max(doc_id, version) FROM documents "
        "WHERE source IN (SELECT unnest(?::VARCHAR[])) GROUP BY source",
        [sources],
    ).fetchall()
    return {src: (int(v), did) for src, v, did in rows}


def write_batch(
    con: duckdb.DuckDBPyConnection,
    results: Sequence[StageResult],
    *,
    meta: Mapping[str, DocMeta] | None = None,
    site_lines: SiteLinesFn | None = None,
) -> WriteStats:
    """Store one batch of pipeline results, preparing their rows here (see `write_prepared`).

    `site_lines` (the clean stage's per-site line function) feeds the learnt boilerplate
    counts.
    """
    return write_prepared(con, [prepare_batch(results, site_lines=site_lines)], meta=meta)


def write_prepared(
    con: duckdb.DuckDBPyConnection,
    batches: Sequence[PreparedBatch],
    *,
    meta: Mapping[str, DocMeta] | None = None,
) -> WriteStats:
    """Store prepared batches in a single transaction; return what was added.

    When the caller holds an open transaction the rows join it (the caller commits, and a
    failure rolls the whole transaction back).

    Results for documents already stored (or repeated in the batches) are passed over.
    A failure becomes a `failures` row and a `documents` row with status failed or
    skipped. `meta` holds what the driver read of each document (its encoding and size,
    and the raw text a failure lacks). Raises StoreError when the transaction fails;
    nothing of the batches is then stored.
    """
    meta = meta or {}
    first: dict[str, tuple[int, int]] = {}  # doc_id -> (batch, item) of its first result
    for b, batch in enumerate(batches):
        for i, item in enumerate(batch.items):
            first.setdefault(item_doc_id(item), (b, i))
    known = _known(con, list(first))
    todo = [(doc_id, batches[b].items[i], b, i) for doc_id, (b, i) in first.items() if doc_id not in known]
    already = sum(len(batch.items) for batch in batches) - len(todo)
    latest = _latest_versions(con, sorted({item.source for _, item, _, _ in todo}))
    plan = _Plan(keep=[set() for _ in batches])
    ok = failed = skipped = new_versions = n_ent = n_ev = n_fig = n_q = 0
    for doc_id, item, b, i in todo:
        version, supersedes = 1, None
        if item.source in latest:
            prev_version, supersedes = latest[item.source]
            version = prev_version + 1
            new_versions += 1
        latest[item.source] = (version, doc_id)
        m = meta.get(doc_id, DocMeta())
        if isinstance(item, PreparedDoc):
            ok += 1
            n_ent, n_ev, n_fig, n_q = n_ent + item.entities, n_ev + item.events, n_fig + item.figures, n_q + item.quotes
            plan.keep[b].add(i)
            for name, value in zip(_FILLED, (version, supersedes, m.encoding, m.byte_size, m.url,
                                             json.dumps(dict(m.hints), sort_keys=True)), strict=True):
                plan.filled[name].append(value)
            continue
        if item.status == "skipped":
            skipped += 1
        else:
            failed += 1
        plan.failures.item = _position(b, i)
        plan.failures.add("failures", source=item.source, name=item.name, doc_id=doc_id, stage=item.stage,
                          status=item.status, error_class=item.error_class, message=item.message)
        if item.stage in RETRYABLE_STAGES:
            continue  # not processed: no documents row, so the next build retries it
        plan.failures.add("documents", doc_id=doc_id, source=item.source, name=item.name, version=version,
                          supersedes=supersedes, status=item.status, stage=item.stage,
                          error_class=item.error_class, error_message=item.message, media_type=m.media_type,
                          encoding=m.encoding, byte_size=item.byte_size if item.byte_size is not None else m.byte_size,
                          url=m.url, raw=m.raw, hints=json.dumps(dict(m.hints), sort_keys=True) if m.hints else None)
    stats = WriteStats(ok, failed, skipped, already, new_versions, n_ent, n_ev, n_fig, n_q)
    if todo:
        _commit(con, batches, plan)
    return stats


# The documents columns the driver fills for a prepared extraction (url and hints where
# the article has none), in `_Plan.filled` order.
_FILLED = (*DRIVER_COLUMNS, "url", "hints")


@dataclass(slots=True)
class _Plan:
    """What a write stores of its prepared batches."""

    keep: list[set[int]]  # per batch, the items whose rows are stored
    filled: dict[str, list[Any]] = field(default_factory=lambda: {name: [] for name in _FILLED})
    failures: Rows = field(default_factory=Rows)  # the failures' rows, `_item` = their position


def _position(batch: int, item: int) -> int:
    """A result's place in the write, for keeping the documents rows in input order."""
    return (batch << 32) | item


def item_doc_id(item: PreparedDoc | InputFailure) -> str:
    """Return the document id of a prepared batch's item."""
    return item.doc_id if isinstance(item, PreparedDoc) else result_doc_id(item)


def _selections(batches: Sequence[PreparedBatch], plan: _Plan) -> list[pa.Array | None]:
    """Per batch, the `_item`s whose rows are stored, or None when every extraction's are."""
    selections: list[pa.Array | None] = []
    for batch, keep in zip(batches, plan.keep, strict=True):
        extractions = sum(1 for item in batch.items if isinstance(item, PreparedDoc))
        # Fewer kept than extracted: some were stored already, or repeated.
        selections.append(pa.array(sorted(keep), pa.int64()) if len(keep) < extractions else None)
    return selections


def _kept(batches: Sequence[PreparedBatch], selections: list[pa.Array | None], table: str) -> list[pa.Table]:
    """The stored rows of `table` in each prepared batch (site lines: table "site_lines")."""
    parts = []
    for batch, selection in zip(batches, selections, strict=True):
        rows = batch.site_lines if table == "site_lines" else batch.tables.get(table)
        if rows is None:
            continue
        if selection is not None:
            rows = rows.filter(pc.is_in(rows[ITEM], selection))
        parts.append(rows)
    return parts


def _documents(
    batches: Sequence[PreparedBatch], plan: _Plan, selections: list[pa.Array | None], failures: pa.Table | None
) -> pa.Table | None:
    """The documents rows: the kept extractions' with the driver's columns filled, and the
    failures', in input order."""
    parts = _kept(batches, selections, "documents")
    if parts:
        docs = pa.concat_tables(parts)
        for name in _FILLED:
            values = pa.array(plan.filled[name], type=TABLES["documents"][name])
            if name in ("url", "hints"):
                values = pc.coalesce(docs[name], values)
            docs = docs.set_column(docs.schema.get_field_index(name), name, values)
        # The kept rows come batch by batch, each batch's in item order.
        order = [_position(b, i) for b, kept in enumerate(plan.keep) for i in sorted(kept)]
        parts = [docs.set_column(docs.schema.get_field_index(ITEM), ITEM, pa.array(order, pa.int64()))]
    if failures is not None:
        parts.append(failures)
    if not parts:
        return None
    table = pa.concat_tables(parts)
    return table.take(pc.sort_indices(table[ITEM]))


def _commit(con: duckdb.DuckDBPyConnection, batches: Sequence[PreparedBatch], plan: _Plan) -> None:
    # Inside the caller's transaction (the driver groups several batches and their entity
    # resolution in one) the caller commits; otherwise this write is its own transaction.
    failures = plan.failures.tables()
    selections = _selections(batches, plan)
    try:
        with transaction(con):
            for table, types in TABLES.items():
                if table == "documents":
                    rows = _documents(batches, plan, selections, failures.get(table))
                else:
                    parts = _kept(batches, selections, table) + ([failures[table]] if table in failures else [])
                    rows = pa.concat_tables(parts) if parts else None
                if rows is None or not rows.num_rows:
                    continue
                names = ", ".join(f'"{c}"' for c in types)
                with arrow_stream(con, "_batch", rows):
                    con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _batch")
            sites = _kept(batches, selections, "site_lines")
            if sites:
                with arrow_stream(con, "_site_lines", pa.concat_tables(sites)):
                    con.execute(
                        "INSERT INTO site_lines SELECT site, line_norm, count(*), "
                        f"list(DISTINCT story)[1:{MAX_STORIES}] FROM _site_lines GROUP BY site, line_norm "
                        "ON CONFLICT (site, line_norm) DO UPDATE SET "
                        "doc_count = site_lines.doc_count + EXCLUDED.doc_count, "
                        "stories = list_distinct(list_concat(coalesce(site_lines.stories, []), EXCLUDED.stories))"
                        f"[1:{MAX_STORIES}]"
                    )
            con.execute(
                "INSERT INTO store_state VALUES ('fuse_stale', 'true') "
                "ON CONFLICT (key) DO UPDATE SET value = 'true'"
            )
    except duckdb.OutOfMemoryException:
        raise  # the caller knows which memory cap is in use and names it
    except duckdb.Error as err:
        raise StoreError(f"cannot write a batch to the store ({err}); nothing of this batch was stored") from err


def load_site_lines(con: duckdb.DuckDBPyConnection, min_docs: int) -> dict[str, frozenset[str]]:
    """Return the learnt boilerplate: per site, the lines seen in at least `min_docs` stories.

    A story is a title (or, untitled, an opening paragraph): versions and reposts of one
    article repeat all its paragraphs, and counting them as separate documents would teach
    the article's own text as the site's clutter.
    """
    need = max(1, min(min_docs, MAX_STORIES))
    out: dict[str, set[str]] = {}
    for site, line in con.execute(
        "SELECT site, line_norm FROM site_lines WHERE doc_count >= ? AND len(coalesce(stories, [])) >= ? "
        "ORDER BY site, line_norm", [min_docs, need]
    ).fetchall():
        out.setdefault(site, set()).add(line)
    return {site: frozenset(lines) for site, lines in out.items()}
