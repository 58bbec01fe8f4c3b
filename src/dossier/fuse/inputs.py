"""Read the per-article tables the fuse stage works from (one query per table)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import duckdb

from dossier.fuse.config import FuseConfig
from dossier.fuse.figures import content_words
from dossier.fuse.records import Doc, EventRow, FigureRow, Party
from dossier.store.connection import id_table

# Documents that take part: stored fine and not replaced by a newer version of their source.
LIVE_WHERE = (
    "d.status = 'ok' AND NOT EXISTS (SELECT 1 FROM documents n WHERE n.supersedes = d.doc_id AND n.status = 'ok')"
)
LIVE_DOCS_SQL = f"SELECT d.doc_id, d.name, d.outlet, d.published_date FROM documents d WHERE {LIVE_WHERE}"

# The taking-part documents among `_fuse_doc_sel`, with their source group when they have one.
_LIVE_DOCS_BY_ID_SQL = f"""
SELECT d.doc_id, d.name, d.outlet, d.published_date, s.source_group
FROM documents d JOIN _fuse_doc_sel sel ON sel.id = d.doc_id LEFT JOIN doc_sources s ON s.doc_id = d.doc_id
WHERE {LIVE_WHERE}
"""


class LiveDocs(Mapping[str, Doc]):
    """The taking-part documents a refresh reads, fetched from the store as it reaches them.

    A refresh loads the documents of the events and figures it reads (`load`, one query) and
    `clear`s between batches, so it holds the documents one batch reaches, not every document
    of the store (~590 bytes each as Python objects: 6 GB at 10^7 documents). Iteration and
    length cover the loaded documents only. A document asked for before being loaded is read
    on its own, which is correct but slow; `single_reads` counts those.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self._docs: dict[str, Doc] = {}
        self._groups: dict[str, str] = {}
        self._absent: set[str] = set()
        self.single_reads = 0
        self.groups = SourceGroups(self)

    def load(self, doc_ids: Iterable[str]) -> None:
        """Read the documents among `doc_ids` not loaded yet, with their source groups."""
        missing = {d for d in doc_ids if d not in self._docs and d not in self._absent}
        if not missing:
            return
        select(self._con, "_fuse_doc_sel", missing)
        for doc_id, name, outlet, published, group in self._con.execute(_LIVE_DOCS_BY_ID_SQL).fetchall():
            self._docs[doc_id] = Doc(doc_id, name, outlet, published)
            if group is not None:
                self._groups[doc_id] = group
        self._absent |= missing - self._docs.keys()

    def clear(self) -> None:
        """Forget every loaded document (source groups change when duplicates are regrouped)."""
        self._docs.clear()
        self._groups.clear()
        self._absent.clear()

    def _ensure(self, doc_id: str) -> None:
        if doc_id not in self._docs and doc_id not in self._absent:
            self.single_reads += 1
            self.load((doc_id,))

    def __getitem__(self, doc_id: str) -> Doc:
        self._ensure(doc_id)
        return self._docs[doc_id]

    def __contains__(self, doc_id: object) -> bool:
        if not isinstance(doc_id, str):
            return False
        self._ensure(doc_id)
        return doc_id in self._docs

    def __iter__(self) -> Iterator[str]:
        return iter(self._docs)

    def __len__(self) -> int:
        return len(self._docs)


class SourceGroups(Mapping[str, str]):
    """doc_id -> source group (`doc_sources`) of the documents a `LiveDocs` has loaded or reaches."""

    def __init__(self, docs: LiveDocs) -> None:
        self._docs = docs

    def __getitem__(self, doc_id: str) -> str:
        self._docs._ensure(doc_id)
        return self._docs._groups[doc_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._docs._groups)

    def __len__(self) -> int:
        return len(self._docs._groups)


# entity_id -> the entity its merge chain ends at (merged_into followed while the target
# exists and was not met before on the chain: a cycle, from a corrupt store, stops), with
# that entity's name and country. Set-based, so a refresh holds no entity in Python.
CANONICAL_ENTITIES_SQL = """
WITH RECURSIVE walk(entity_id, cur, steps, path) AS (
    SELECT entity_id, entity_id, 0, [entity_id] FROM entities
    UNION ALL
    SELECT w.entity_id, e.merged_into, w.steps + 1, list_append(w.path, e.merged_into)
    FROM walk w JOIN entities e ON e.entity_id = w.cur JOIN entities t ON t.entity_id = e.merged_into
    WHERE NOT list_contains(w.path, e.merged_into)
)
SELECT w.entity_id, w.canon_id, e.name, e.country
FROM (SELECT entity_id, arg_max(cur, steps) AS canon_id FROM walk GROUP BY entity_id) w
JOIN entities e ON e.entity_id = w.canon_id
"""


def _party(name: str, canon_id: str | None, canon_name: str, country: str | None) -> Party:
    """The participant as its canonical entity, else as free text.

    `canon_id`, `canon_name` and `country` are its `fuse_entity_canon` row, all None when it
    has none (the name is never null in a row).
    """
    if canon_id is not None:
        return Party(canon_id, canon_id, canon_name, country)
    text = " ".join(name.split())
    return Party(f"text:{text.lower()}", None, text, None)


def load_events(
    con: duckdb.DuckDBPyConnection, docs: LiveDocs, event_ids: Iterable[str] | None = None
) -> list[EventRow]:
    """Return the events of taking-part documents (all, or those in `event_ids`), sorted by event_id.

    Participants take the canonical form of their entity stored in `fuse_entity_canon`
    (written by the refresh from `CANONICAL_ENTITIES_SQL` before it reads events).
    """
    if event_ids is None:
        join = ""
    else:
        select(con, "_fuse_ev_sel", event_ids)
        join = "JOIN _fuse_ev_sel s ON s.id = {t}.event_id"
    parts: dict[str, dict[str, list[tuple[int, Party]]]] = defaultdict(lambda: {"actor": [], "target": []})
    for event_id, role, position, name, canon_id, canon_name, country in con.execute(
        "SELECT p.event_id, p.role, p.position, p.name, c.canon_id, c.name, c.country "
        "FROM event_participants p LEFT JOIN fuse_entity_canon c ON c.entity_id = p.entity_id "
        + join.format(t="p")
    ).fetchall():
        if role in ("actor", "target"):
            parts[event_id][role].append((position, _party(name, canon_id, canon_name, country)))
    extra: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for event_id, position, evidence_id, text in con.execute(
        "SELECT ee.event_id, ee.position, ee.evidence_id, ev.text FROM event_evidence ee "
        "JOIN evidence ev USING (evidence_id) " + join.format(t="ee")
    ).fetchall():
        extra[event_id].append((position, evidence_id, text))
    rows = con.execute(
        "SELECT e.event_id, e.doc_id, e.type, e.mode, e.date, e.precision, e.place, e.negated, e.source, "
        "e.evidence_id, coalesce(ev.text, '') FROM events e LEFT JOIN evidence ev USING (evidence_id) "
        + join.format(t="e") + " ORDER BY e.event_id"
    ).fetchall()
    docs.load(r[1] for r in rows)
    out = []
    for event_id, doc_id, etype, mode, date, precision, place, negated, source, evidence_id, text in rows:
        if doc_id not in docs:
            continue
        p = parts.get(event_id, {"actor": [], "target": []})
        actors = _dedupe(p["actor"])
        targets = tuple(t for t in _dedupe(p["target"]) if t.key not in {a.key for a in actors})
        more = tuple((eid, t) for _, eid, t in sorted(extra.get(event_id, [])) if eid != evidence_id)
        # A date without a precision, or a precision without a date, is an unknown date.
        precision = precision or "unknown"
        if date is None or precision not in ("day", "month", "year"):
            date, precision = None, "unknown"
        out.append(
            EventRow(
                event_id, doc_id, etype, mode or None, date, precision, place, bool(negated),
                source, evidence_id, text, more, actors, targets,
            )
        )
    return out


def _dedupe(items: list[tuple[int, Party]]) -> tuple[Party, ...]:
    seen: set[str] = set()
    out = []
    for _, party in sorted(items, key=lambda x: (x[0], x[1].key)):
        if party.key not in seen:
            seen.add(party.key)
            out.append(party)
    return tuple(out)


def select(con: duckdb.DuckDBPyConnection, name: str, ids: Iterable[str]) -> None:
    """(Re)create temp table `name(id)` holding `ids` (`id_table`)."""
    id_table(con, name, ids)


# Countries of the places (GPE/LOC entities) named inside each figure's evidence sentence.
_FIGURE_PLACES_SQL = """
SELECT f.figure_id, list(DISTINCT coalesce(c.country, de.country) ORDER BY coalesce(c.country, de.country))
FROM figures f
JOIN {sel} s ON s.id = f.figure_id
JOIN evidence fe ON fe.evidence_id = f.evidence_id
JOIN mentions m ON m.doc_id = f.doc_id
JOIN evidence me ON me.evidence_id = m.evidence_id
     AND me.body_start >= fe.body_start AND me.body_end <= fe.body_end
JOIN doc_entities de ON de.doc_entity_id = m.doc_entity_id
LEFT JOIN entities c ON c.entity_id = de.entity_id
WHERE de.type IN ('GPE', 'LOC') AND coalesce(c.country, de.country) IS NOT NULL
GROUP BY f.figure_id
"""

# Place mentions per document and country, and the words of the documents' place names.
_DOC_PLACES_SQL = """
SELECT m.doc_id, coalesce(c.country, de.country) AS country, count(*) AS n
FROM mentions m
JOIN (SELECT DISTINCT doc_id FROM figures JOIN {sel} s ON s.id = figure_id) d ON d.doc_id = m.doc_id
JOIN doc_entities de ON de.doc_entity_id = m.doc_entity_id
LEFT JOIN entities c ON c.entity_id = de.entity_id
WHERE de.type IN ('GPE', 'LOC') AND coalesce(c.country, de.country) IS NOT NULL
GROUP BY ALL
"""

_DOC_PLACE_NAMES_SQL = """
SELECT de.doc_id, list(DISTINCT de.name), flatten(list(coalesce(de.aliases, [])))
FROM doc_entities de
JOIN (SELECT DISTINCT doc_id FROM figures JOIN {sel} s ON s.id = figure_id) d ON d.doc_id = de.doc_id
WHERE de.type IN ('GPE', 'LOC')
GROUP BY de.doc_id
"""

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def load_figures(
    con: duckdb.DuckDBPyConnection, docs: LiveDocs, config: FuseConfig,
    figure_ids: Iterable[str] | None = None,
) -> list[FigureRow]:
    """Return the figures of taking-part documents (all, or those in `figure_ids`), sorted by figure_id.

    Each carries its context: the countries named in its sentence, else its document's main
    countries (at least `config.context_min_share` of the document's place mentions), and
    the content words of its subject without the words of the document's place names.
    """
    if figure_ids is None:
        figure_ids = [r[0] for r in con.execute("SELECT figure_id FROM figures").fetchall()]
    select(con, "_fuse_fig_sel", figure_ids)
    rows = con.execute(
        f"SELECT {_FIGURE_COLUMNS}, coalesce(ev.text, '') FROM figures f JOIN _fuse_fig_sel s "
        "ON s.id = f.figure_id LEFT JOIN evidence ev ON ev.evidence_id = f.evidence_id ORDER BY f.figure_id"
    ).fetchall()
    sentence = {r[0]: tuple(r[1]) for r in con.execute(_FIGURE_PLACES_SQL.format(sel="_fuse_fig_sel")).fetchall()}
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for doc_id, country, n in con.execute(_DOC_PLACES_SQL.format(sel="_fuse_fig_sel")).fetchall():
        counts[doc_id][country] += n
    main: dict[str, tuple[str, ...]] = {}
    for doc_id, c in counts.items():
        total = sum(c.values())
        main[doc_id] = tuple(sorted(k for k, n in c.items() if n >= config.context_min_share * total))
    place_words: dict[str, frozenset[str]] = {}
    for doc_id, names, aliases in con.execute(_DOC_PLACE_NAMES_SQL.format(sel="_fuse_fig_sel")).fetchall():
        text = " ".join([*(names or []), *(a for a in aliases or [] if a)]).lower()
        place_words[doc_id] = frozenset(_WORD.findall(text))
    words: dict[tuple[str | None, str], frozenset[str]] = {}
    docs.load(r[1] for r in rows)
    out = []
    for r in rows:
        if r[1] not in docs:
            continue
        key = (r[6], r[1])
        if key not in words:
            words[key] = content_words(r[6], config, place_words.get(r[1], frozenset()))
        out.append(_figure_row(r, r[10], sentence.get(r[0]) or main.get(r[1], ()), words[key]))
    return out


def load_keyed_figures(
    con: duckdb.DuckDBPyConnection, docs: LiveDocs, figure_ids: Iterable[str]
) -> tuple[list[FigureRow], dict[str, str]]:
    """Return stored figures as a refresh regroups them, and figure_id -> block.

    Their countries, subject words and block come from `fuse_figure_keys` (written when the
    figure was last read in full) and their evidence is left empty: regrouping a block reads
    every figure of it, and only the few whose rows are rewritten need their sentence
    (`figure_evidence`).
    """
    select(con, "_fuse_fig_sel", figure_ids)
    stored = con.execute(
        f"SELECT {_FIGURE_COLUMNS}, k.countries, k.words, k.block FROM fuse_figure_keys k "
        "JOIN _fuse_fig_sel s ON s.id = k.figure_id JOIN figures f ON f.figure_id = k.figure_id ORDER BY f.figure_id"
    ).fetchall()
    docs.load(r[1] for r in stored)
    # One object per distinct value shared by the rows (documents, units, subjects, dates,
    # word sets): a block's figures are held together, and this halves their memory.
    pool: dict[Any, Any] = {}

    def shared(value: Any) -> Any:
        return pool.setdefault(value, value)

    out, keys = [], {}
    for r in stored:
        if r[1] in docs:
            row = (r[0], shared(r[1]), r[2], *map(shared, r[3:9]), r[9])
            out.append(_figure_row(row, "", shared(tuple(r[10])), shared(frozenset(r[11]))))
            keys[r[0]] = shared(r[12])
    return out, keys


# The figure's own columns, in FigureRow's order up to `evidence` (read by `_figure_row`).
_FIGURE_COLUMNS = ("f.figure_id, f.doc_id, f.value, f.qualifier, f.unit, f.category, f.subject, f.as_of, "
                   "f.as_of_precision, f.evidence_id")


def _figure_row(r: tuple[Any, ...], evidence: str, countries: tuple[str, ...], words: frozenset[str]) -> FigureRow:
    return FigureRow(r[0], r[1], float(r[2]), r[3], r[4], r[5], r[6], r[7], r[8] or "unknown", r[9], evidence,
                     countries, words)


def figure_evidence(con: duckdb.DuckDBPyConnection, figure_ids: Iterable[str]) -> dict[str, str]:
    """Return figure_id -> its evidence sentence."""
    select(con, "_fuse_fig_sel", figure_ids)
    return dict(con.execute(
        "SELECT f.figure_id, coalesce(ev.text, '') FROM figures f JOIN _fuse_fig_sel s ON s.id = f.figure_id "
        "LEFT JOIN evidence ev ON ev.evidence_id = f.evidence_id"
    ).fetchall())
