"""The store writer: one batch of pipeline results into DuckDB, in one transaction.

Rows are gathered per table into Arrow tables and inserted in bulk. Ids are
deterministic, so the same document always gives the same rows:

- evidence:     "ev_" + SHA-256(doc_id, raw and body offsets)[:32]
- doc_entities: doc_id + ":" + entity key ("e0", ...)
- events:       doc_id + ":ev" + ordinal; figures ":fig" + ordinal; quotes ":q" + ordinal;
  timexes ":t" + ordinal

A document already in the store is never written again (the batch skips it), so a batch
replayed after a crash adds nothing twice. A document whose source is already stored
with other bytes is a new version: `version` = previous + 1, `supersedes` = previous id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from dossier.clean.records import CleanArticle
from dossier.errors import StoreError
from dossier.extract.records import ArticleExtraction, Evidence, Participant
from dossier.pipeline import StageResult
from dossier.store.connection import arrow_stream, transaction

log = logging.getLogger(__name__)

# `dossier.clean.site_lines`: an article's site key and its normalised raw lines.
SiteLinesFn = Callable[[CleanArticle], tuple[str | None, frozenset[str]]]

# Distinct stories kept per learnt line: enough to tell "in N different articles" for any
# site_line_min_docs up to this.
MAX_STORIES = 16


def story_key(title: str | None, body: str) -> int:
    """A stable 64-bit key of an article's story: its normalised title, else its first paragraph."""
    text = " ".join((title or "").lower().split()) or " ".join(body.split("\n\n", 1)[0].lower().split())
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


_S = pa.string()
_LIST = pa.list_(pa.string())
_I32 = pa.int32()
_I64 = pa.int64()
_F64 = pa.float64()
_B = pa.bool_()
_D = pa.date32()

# Column types of every table the writer fills (the column order is the insert order).
TABLES: dict[str, dict[str, pa.DataType]] = {
    "documents": {
        "doc_id": _S, "source": _S, "name": _S, "version": _I32, "supersedes": _S, "status": _S, "stage": _S,
        "error_class": _S, "error_message": _S, "media_type": _S, "encoding": _S, "byte_size": _I64, "url": _S,
        "raw": _S, "body": _S, "title": _S, "outlet": _S, "site_name": _S, "wire": _S, "authors": _LIST,
        "credits": _LIST, "language": _S, "published_date": _D, "published_precision": _S,
        "published_basis": _S, "boilerplate": _LIST, "hints": _S,
    },
    "failures": {
        "source": _S, "name": _S, "doc_id": _S, "stage": _S, "status": _S, "error_class": _S, "message": _S,
    },
    "evidence": {
        "evidence_id": _S, "doc_id": _S, "start": _I32, "end": _I32, "body_start": _I32, "body_end": _I32,
        "text": _S,
    },
    "doc_entities": {
        "doc_entity_id": _S, "doc_id": _S, "key": _S, "name": _S, "type": _S, "country": _S, "sector": _S,
        "aliases": _LIST, "roles": _LIST, "dictionary_id": _S,
    },
    "mentions": {"doc_id": _S, "doc_entity_id": _S, "kind": _S, "evidence_id": _S},
    "timexes": {
        "timex_id": _S, "doc_id": _S, "text": _S, "date": _D, "precision": _S, "rule": _S, "evidence_id": _S,
    },
    "events": {
        "event_id": _S, "doc_id": _S, "type": _S, "mode": _S, "date": _D, "precision": _S, "place": _S,
        "negated": _B, "source": _S, "trigger": _S, "pattern": _S, "date_rule": _S, "evidence_id": _S,
    },
    "event_participants": {
        "event_id": _S, "role": _S, "position": _I32, "name": _S, "doc_entity_id": _S,
    },
    "event_evidence": {"event_id": _S, "position": _I32, "evidence_id": _S},
    "figures": {
        "figure_id": _S, "doc_id": _S, "value": _F64, "qualifier": _S, "unit": _S, "category": _S, "subject": _S,
        "source": _S, "as_of": _D, "as_of_precision": _S, "surface": _S, "evidence_id": _S,
    },
    "quotes": {
        "quote_id": _S, "doc_id": _S, "speaker": _S, "speaker_doc_entity_id": _S, "target": _S,
        "target_doc_entity_id": _S, "stance": _S, "text": _S, "direct": _B, "evidence_id": _S,
    },
}


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


def result_source(result: StageResult) -> str:
    """Return the source (path or URL) a pipeline result came from."""
    return result.article.source if isinstance(result, ArticleExtraction) else result.source


def evidence_id(doc_id: str, start: int, end: int, body_start: int, body_end: int) -> str:
    """Return the deterministic id of a span of one document."""
    key = f"{doc_id}:{start}:{end}:{body_start}:{body_end}"
    return "ev_" + hashlib.sha256(key.encode()).hexdigest()[:32]


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        log.warning("not an ISO date, stored as null: %r", value)
        return None


class _Rows:
    """Column lists per table for one batch."""

    def __init__(self) -> None:
        self.cols: dict[str, dict[str, list[Any]]] = {t: {c: [] for c in cols} for t, cols in TABLES.items()}
        self.evidence_ids: set[str] = set()
        self.dropped = 0  # facts whose evidence text is not in the body, for the current article

    def add(self, table: str, **values: Any) -> None:
        cols = self.cols[table]
        unknown = values.keys() - cols.keys()
        if unknown:  # a typo here would silently store nulls
            raise AssertionError(f"{table}: unknown columns {sorted(unknown)}")
        for name in cols:
            cols[name].append(values.get(name))

    def evidence(self, ev: Evidence, body: str) -> str | None:
        """Add an evidence row; return its id, or None when the text is not at its place in the body."""
        if body[ev.body_start:ev.body_end] != ev.text or ev.body_end < ev.body_start:
            self.dropped += 1
            return None
        start, end = max(0, ev.start), max(0, ev.end)
        if end < start:
            # A body span in a gap of the offset map (text made by unescaping or joining)
            # maps to (next segment start, previous segment end): the raw markup between
            # those two points is what renders as the text.
            start, end = end, start
        eid = evidence_id(ev.doc_id, start, end, ev.body_start, ev.body_end)
        if eid not in self.evidence_ids:
            self.evidence_ids.add(eid)
            self.add("evidence", evidence_id=eid, doc_id=ev.doc_id, start=start, end=end,
                     body_start=ev.body_start, body_end=ev.body_end, text=ev.text)
        return eid

    def body_span(self, article: CleanArticle, body_start: int, body_end: int) -> str | None:
        start, end = article.offsets.to_raw(body_start, body_end)
        ev = Evidence(article.doc_id, start, end, body_start, body_end, article.body[body_start:body_end])
        return self.evidence(ev, article.body)


def _participant_id(doc_id: str, p: Participant) -> str | None:
    return f"{doc_id}:{p.entity_key}" if p.entity_key else None


def _add_extraction(rows: _Rows, ex: ArticleExtraction) -> tuple[int, int, int, int]:
    """Add the fact rows of one article; return counts of entities, events, figures, quotes."""
    art = ex.article
    doc_id, body = art.doc_id, art.body
    rows.dropped = 0
    for ent in ex.entities:
        rows.add("doc_entities", doc_entity_id=f"{doc_id}:{ent.key}", doc_id=doc_id, key=ent.key, name=ent.name,
                 type=ent.type, country=ent.country, sector=ent.sector, aliases=list(ent.aliases),
                 roles=list(ent.roles), dictionary_id=ent.dictionary_id)
    for m in ex.mentions:
        eid = rows.body_span(art, m.start, m.end)
        if eid is not None:
            rows.add("mentions", doc_id=doc_id, doc_entity_id=f"{doc_id}:{m.entity_key}", kind=m.kind, evidence_id=eid)
    for i, tx in enumerate(ex.timexes):
        eid = rows.body_span(art, tx.start, tx.end)
        if eid is not None:
            rows.add("timexes", timex_id=f"{doc_id}:t{i}", doc_id=doc_id, text=tx.text, date=_date(tx.date),
                     precision=tx.precision, rule=tx.rule, evidence_id=eid)
    n_events = 0
    for i, ev in enumerate(ex.events):
        found = [rows.evidence(x, body) for x in ev.evidence]
        if not found or found[0] is None:
            continue  # the main sentence is not verbatim in the body: the event is not stored
        ids = [e for e in found if e is not None]
        event_id = f"{doc_id}:ev{i}"
        n_events += 1
        rows.add("events", event_id=event_id, doc_id=doc_id, type=ev.type, mode=ev.mode, date=_date(ev.date),
                 precision=ev.precision, place=ev.place, negated=ev.negated, source=ev.source, trigger=ev.trigger,
                 pattern=ev.pattern, date_rule=ev.date_rule, evidence_id=ids[0])
        for pos, eid in enumerate(ids):
            rows.add("event_evidence", event_id=event_id, position=pos, evidence_id=eid)
        for role, parts in (("actor", ev.actors), ("target", ev.targets)):
            for pos, p in enumerate(parts):
                rows.add("event_participants", event_id=event_id, role=role, position=pos, name=p.name,
                         doc_entity_id=_participant_id(doc_id, p))
    n_figures = 0
    for i, fig in enumerate(ex.figures):
        eid = rows.evidence(fig.evidence, body)
        if eid is None:
            continue
        n_figures += 1
        rows.add("figures", figure_id=f"{doc_id}:fig{i}", doc_id=doc_id, value=float(fig.value),
                 qualifier=fig.qualifier, unit=fig.unit, category=fig.category, subject=fig.subject, source=fig.source,
                 as_of=_date(fig.as_of), as_of_precision=fig.as_of_precision, surface=fig.surface, evidence_id=eid)
    n_quotes = 0
    for i, q in enumerate(ex.quotes):
        eid = rows.evidence(q.evidence, body)
        if eid is None:
            continue
        n_quotes += 1
        rows.add("quotes", quote_id=f"{doc_id}:q{i}", doc_id=doc_id, speaker=q.speaker.name,
                 speaker_doc_entity_id=_participant_id(doc_id, q.speaker),
                 target=q.target.name if q.target else None,
                 target_doc_entity_id=_participant_id(doc_id, q.target) if q.target else None,
                 stance=q.stance, text=q.text, direct=q.direct, evidence_id=eid)
    if rows.dropped:
        # Nothing is stored without verbatim support; the stage that made these is at fault.
        log.warning("%s: %d extracted items dropped: their evidence text is not in the body at the given offsets",
                    art.name, rows.dropped)
    return len(ex.entities), n_events, n_figures, n_quotes


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
    """Store one batch of pipeline results in a single transaction; return what was added.

    When the caller holds an open transaction the rows join it (the caller commits, and a
    failure rolls the whole transaction back).

    Results for documents already stored (or repeated in the batch) are passed over.
    A failure becomes a `failures` row and a `documents` row with status failed or
    skipped. `site_lines` (the clean stage's per-site line function) feeds the learnt
    boilerplate counts. Raises StoreError when the transaction fails; nothing of the
    batch is then stored.
    """
    meta = meta or {}
    fresh: dict[str, StageResult] = {}
    for result in results:
        fresh.setdefault(result_doc_id(result), result)
    known = _known(con, list(fresh))
    todo = [(d, r) for d, r in fresh.items() if d not in known]
    already = len(results) - len(todo)
    latest = _latest_versions(con, sorted({result_source(r) for _, r in todo}))
    rows = _Rows()
    ok = failed = skipped = new_versions = n_ent = n_ev = n_fig = n_q = 0
    site_pairs: list[tuple[str, str, int]] = []
    for doc_id, result in todo:
        source = result_source(result)
        version, supersedes = 1, None
        if source in latest:
            prev_version, supersedes = latest[source]
            version = prev_version + 1
            new_versions += 1
        latest[source] = (version, doc_id)
        m = meta.get(doc_id, DocMeta())
        if isinstance(result, ArticleExtraction):
            ok += 1
            art = result.article
            rows.add("documents", doc_id=doc_id, source=source, name=art.name, version=version,
                     supersedes=supersedes, status="ok", media_type=art.media_type, encoding=m.encoding,
                     byte_size=m.byte_size, url=art.url or m.url, raw=art.raw, body=art.body, title=art.title,
                     outlet=art.outlet, site_name=art.site_name, wire=art.wire, authors=list(art.authors),
                     credits=list(art.credits), language=art.language, published_date=_date(art.published.date),
                     published_precision=art.published.precision, published_basis=art.published.basis,
                     boilerplate=list(art.boilerplate), hints=json.dumps(dict(art.hints or m.hints), sort_keys=True))
            counts = _add_extraction(rows, result)
            n_ent, n_ev, n_fig, n_q = n_ent + counts[0], n_ev + counts[1], n_fig + counts[2], n_q + counts[3]
            if site_lines is not None:
                site, lines = site_lines(art)
                if site:
                    story = story_key(art.title, art.body)
                    site_pairs.extend((site, line, story) for line in lines)
        else:
            if result.status == "skipped":
                skipped += 1
            else:
                failed += 1
            rows.add("failures", source=source, name=result.name, doc_id=doc_id, stage=result.stage,
                     status=result.status, error_class=result.error_class, message=result.message)
            if result.stage in RETRYABLE_STAGES:
                continue  # not processed: no documents row, so the next build retries it
            rows.add("documents", doc_id=doc_id, source=source, name=result.name, version=version,
                     supersedes=supersedes, status=result.status, stage=result.stage,
                     error_class=result.error_class, error_message=result.message, media_type=m.media_type,
                     encoding=m.encoding, byte_size=result.byte_size if result.byte_size is not None else m.byte_size,
                     url=m.url, raw=m.raw, hints=json.dumps(dict(m.hints), sort_keys=True) if m.hints else None)
    stats = WriteStats(ok, failed, skipped, already, new_versions, n_ent, n_ev, n_fig, n_q)
    if not todo:
        return stats
    _commit(con, rows, site_pairs)
    return stats


def _commit(con: duckdb.DuckDBPyConnection, rows: _Rows, site_pairs: list[tuple[str, str, int]]) -> None:
    # Inside the caller's transaction (the driver groups several batches and their entity
    # resolution in one) the caller commits; otherwise this batch is its own transaction.
    try:
        with transaction(con):
            for table, cols in rows.cols.items():
                if not next(iter(cols.values())):
                    continue
                types = TABLES[table]
                arrow = pa.table({c: pa.array(cols[c], type=types[c]) for c in types})
                names = ", ".join(f'"{c}"' for c in types)
                with arrow_stream(con, "_batch", arrow):
                    con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _batch")
            if site_pairs:
                pairs = pa.table({"site": pa.array([s for s, _, _ in site_pairs], _S),
                                  "line_norm": pa.array([x for _, x, _ in site_pairs], _S),
                                  "story": pa.array([k for _, _, k in site_pairs], pa.uint64())})
                with arrow_stream(con, "_site_lines", pairs):
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
