"""The static site: the server's pages written as files with relative links.

Open `index.html` from disk or publish the folder; no server and no script are needed.
Search needs the server (`dossier serve`); the static search page says so.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dossier.errors import StoreError
from dossier.serve import pages, queries
from dossier.serve.db import StoreReader

log = logging.getLogger(__name__)

# Rows per list page in the static site.
PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class ReportSummary:
    """What `write_report` wrote."""

    out: Path
    pages: int
    events: int
    entities: int
    documents: int
    seconds: float


def write_report(db: Path | str, out: Path | str, *, page_size: int = PAGE_SIZE) -> ReportSummary:
    """Write every page of the store at `db` into the folder `out` as a static site."""
    started = time.perf_counter()
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise StoreError(f"{out}: cannot create the report folder ({err.strerror}); choose another --out") from None
    reader = StoreReader(db)
    env = pages.make_env()
    written = 0

    def write(rel: str, template: str, context: dict[str, Any]) -> None:
        nonlocal written
        links = pages.Links(static=True, root="../" * rel.count("/"))
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(pages.render(env, template, links, context), encoding="utf-8")
        written += 1

    def paged(kind: str, template: str, build: Callable[[int, int], dict[str, Any]]) -> None:
        first = build(page_size, 0)
        total = first["page"].total
        links = pages.Links(static=True)
        n = 1
        offset = 0
        context = first
        while True:
            write(links.url(kind, page=n), template, context)
            offset += page_size
            n += 1
            if offset >= total:
                break
            context = build(page_size, offset)

    try:
        static_dir = out / "static"
        static_dir.mkdir(exist_ok=True)
        for asset in (Path(pages.__file__).parent / "static").iterdir():
            shutil.copyfile(asset, static_dir / asset.name)
        write("index.html", "dashboard.html", pages.dashboard(reader))
        paged("events", "events.html", lambda lim, off: pages.events_list(reader, queries.Filters(), lim, off))
        paged("entities", "entities.html", lambda lim, off: pages.entities_list(reader, lim, off))
        paged("series_list", "series_list.html", lambda lim, off: pages.series_list(reader, lim, off))
        paged("contradictions", "contradictions.html", lambda lim, off: pages.contradictions(reader, lim, off))
        paged("failed", "failed.html", lambda lim, off: pages.failed(reader, lim, off))
        write("search.html", "search.html", {"title": "Search", "q": "", "scope": "documents", "result": None})
        n_events = n_entities = n_docs = 0
        for event_id in _ids(
            reader,
            "SELECT fused_event_id FROM fused_events ORDER BY 1"
            if queries.has_fused(reader)
            else "SELECT event_id FROM events ORDER BY 1",
        ):
            context = pages.event(reader, event_id)
            if context and "redirect" not in context:
                write(f"events/{pages.slug(event_id)}.html", "event.html", context)
                n_events += 1
        if queries.has_fused(reader):
            # Per-article events link to their fused event; keep their ids working as pages too.
            for event_id in _ids(reader, "SELECT event_id FROM fused_event_members ORDER BY 1"):
                parent = reader.scalar("SELECT fused_event_id FROM fused_event_members WHERE event_id = ?", [event_id])
                context = pages.event(reader, parent)
                if context and "redirect" not in context:
                    write(f"events/{pages.slug(event_id)}.html", "event.html", context)
        for entity_id in _ids(reader, "SELECT entity_id FROM entities WHERE merged_into IS NULL ORDER BY 1"):
            context = pages.entity(reader, entity_id)
            if context:
                write(f"entities/{pages.slug(entity_id)}.html", "entity.html", context)
                n_entities += 1
        for doc_id in _ids(reader, "SELECT doc_id FROM documents ORDER BY 1"):
            context = pages.document(reader, doc_id)
            if context:
                write(f"documents/{pages.slug(doc_id)}.html", "document.html", context)
                n_docs += 1
        if reader.has("figure_series", "series_id"):
            for series_id in _ids(reader, "SELECT series_id FROM figure_series ORDER BY 1"):
                context = pages.series(reader, series_id)
                if context:
                    write(f"series/{pages.slug(series_id)}.html", "series.html", context)
    finally:
        reader.close()
    return ReportSummary(out, written, n_events, n_entities, n_docs, time.perf_counter() - started)


def _ids(reader: StoreReader, sql: str) -> Iterator[str]:
    # Fixed SQL written here, no request input; ids are read up front so rendering can query freely.
    yield from (str(r[0]) for r in reader.cursor().execute(sql).fetchall())
