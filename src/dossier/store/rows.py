"""The store's rows of a batch of pipeline results, built where the pipeline ran.

`prepare_batch(results)` turns extractions into one Arrow table per stored table, plus the
per-site lines the driver counts. It is pure (no DuckDB), so workers run it next to the
pipeline and return ready rows: the build driver, the one serial part of a parallel
build, then only numbers versions, fills what it alone knows (the input's encoding and
size) and inserts. Building the rows in the driver took a third of its CPU while
documents streamed (docs/scale.md). Ids are deterministic, so the same document always
gives the same rows:

- evidence:     "ev_" + SHA-256(doc_id, raw and body offsets)[:32]
- doc_entities: doc_id + ":" + entity key ("e0", ...)
- events:       doc_id + ":ev" + ordinal; figures ":fig" + ordinal; quotes ":q" + ordinal;
  timexes ":t" + ordinal

Every table carries an extra `_item` column, the index of the result its row came from,
so the writer can leave out a document already stored without re-reading anything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from dossier.clean.records import CleanArticle
from dossier.extract.records import ArticleExtraction, Evidence, Participant
from dossier.ingest.records import InputFailure

if TYPE_CHECKING:
    from dossier.pipeline import StageResult

log = logging.getLogger(__name__)

# `dossier.clean.site_lines`: an article's site key and its normalised raw lines.
SiteLinesFn = Callable[[CleanArticle], tuple[str | None, frozenset[str]]]

ITEM = "_item"


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

_COLUMNS = {table: cols.keys() for table, cols in TABLES.items()}
_ROW_TYPES = {table: pa.struct([*(pa.field(c, t) for c, t in cols.items()), pa.field(ITEM, _I64)])
              for table, cols in TABLES.items()}
_SITE_LINE = pa.struct([pa.field("site", _S), pa.field("line_norm", _S), pa.field("story", pa.uint64()),
                        pa.field(ITEM, _I64)])


def _arrow(rows: list[dict[str, Any]], row_type: pa.StructType) -> pa.Table:
    # A row is kept as a dict and the table converted in one call: appending each value to
    # a column list cost the workers 3 µs a row.
    return pa.Table.from_struct_array(pa.array(rows, type=row_type))


# The documents columns a prepared batch leaves empty: the driver alone knows the stored
# versions and the input's encoding and size (`url` and `hints` it fills when the article
# has none).
DRIVER_COLUMNS = ("version", "supersedes", "encoding", "byte_size")


@dataclass(frozen=True, slots=True)
class PreparedDoc:
    """One extraction of a prepared batch: what the driver needs without reading its rows."""

    doc_id: str
    source: str
    name: str
    entities: int
    events: int
    figures: int
    quotes: int


@dataclass(slots=True)
class PreparedBatch:
    """A batch of pipeline results as the store's rows, in input order.

    `items[i]` is an extraction's summary or a failure (whose rows the driver builds, since
    it holds the raw text a failure lacks); the rows of `tables` belong to the extraction
    whose index is in their `_item` column. `site_lines(site, line_norm, story, _item)` are
    the lines the driver counts towards the learnt boilerplate.
    """

    items: list[PreparedDoc | InputFailure]
    tables: dict[str, pa.Table] = field(default_factory=dict)
    site_lines: pa.Table | None = None


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


class Rows:
    """Rows per table, each tagged with the index of the result it came from."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
        self.item = 0  # the index of the result whose rows are being added
        self.evidence_ids: set[str] = set()
        self.dropped = 0  # facts whose evidence text is not in the body, for the current article

    def add(self, table: str, **values: Any) -> None:
        """Append one row; a column not named is null."""
        if not values.keys() <= _COLUMNS[table]:  # a typo here would silently store nulls
            raise AssertionError(f"{table}: unknown columns {sorted(values.keys() - _COLUMNS[table])}")
        values[ITEM] = self.item
        self.rows[table].append(values)

    def tables(self) -> dict[str, pa.Table]:
        """The non-empty tables as Arrow, typed as the store's columns (plus `_item`)."""
        return {table: _arrow(rows, _ROW_TYPES[table]) for table, rows in self.rows.items() if rows}

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
        """Add the evidence row of a span of the article's body (`evidence`); return its id or None."""
        start, end = article.offsets.to_raw(body_start, body_end)
        ev = Evidence(article.doc_id, start, end, body_start, body_end, article.body[body_start:body_end])
        return self.evidence(ev, article.body)


def _participant_id(doc_id: str, p: Participant) -> str | None:
    return f"{doc_id}:{p.entity_key}" if p.entity_key else None


def _add_extraction(rows: Rows, ex: ArticleExtraction) -> tuple[int, int, int, int]:
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


def prepare_batch(results: Sequence[StageResult], *, site_lines: SiteLinesFn | None = None) -> PreparedBatch:
    """Return the rows of `results` (extractions; failures are passed through as items).

    `site_lines` (the clean stage's per-site line function) gives the lines counted towards
    the learnt boilerplate; without it none are.
    """
    rows = Rows()
    items: list[PreparedDoc | InputFailure] = []
    site_rows: list[dict[str, Any]] = []
    for i, result in enumerate(results):
        rows.item = i
        if not isinstance(result, ArticleExtraction):
            items.append(result)
            continue
        art = result.article
        rows.add("documents", doc_id=art.doc_id, source=art.source, name=art.name, status="ok",
                 media_type=art.media_type, url=art.url or None, raw=art.raw, body=art.body, title=art.title,
                 outlet=art.outlet, site_name=art.site_name, wire=art.wire, authors=list(art.authors),
                 credits=list(art.credits), language=art.language, published_date=_date(art.published.date),
                 published_precision=art.published.precision, published_basis=art.published.basis,
                 boilerplate=list(art.boilerplate),
                 hints=json.dumps(dict(art.hints), sort_keys=True) if art.hints else None)
        items.append(PreparedDoc(art.doc_id, art.source, art.name, *_add_extraction(rows, result)))
        site, site_doc_lines = site_lines(art) if site_lines is not None else (None, frozenset())
        if site:
            story = story_key(art.title, art.body)
            site_rows.extend({"site": site, "line_norm": line, "story": story, ITEM: i} for line in site_doc_lines)
    return PreparedBatch(items, rows.tables(), _arrow(site_rows, _SITE_LINE) if site_rows else None)
