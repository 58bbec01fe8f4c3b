"""Page contexts shared by the server and the static report, and the Jinja2 environment.

A page is a template name plus a context built from the store. Links come from a `Links`
object: absolute paths for the server, relative `.html` files for the static report, so
the same templates serve both.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from markupsafe import Markup

from dossier.serve import charts, queries
from dossier.serve.db import Row, StoreReader
from dossier.serve.highlight import Span, mark_spans
from dossier.serve.search import search

_SAFE = re.compile(r"[^A-Za-z0-9._-]")

# Page kinds and their server paths; the report writes `<kind>/<slug>.html` files.
PATHS = {
    "dashboard": "/",
    "events": "/events",
    "event": "/events/{}",
    "entities": "/entities",
    "entity": "/entities/{}",
    "document": "/documents/{}",
    "series_list": "/series",
    "series": "/series/{}",
    "contradictions": "/contradictions",
    "failed": "/failed",
    "search": "/search",
    "api_docs": "/api",
}
FILES = {
    "dashboard": "index.html",
    "events": "events/index.html",
    "event": "events/{}.html",
    "entities": "entities/index.html",
    "entity": "entities/{}.html",
    "document": "documents/{}.html",
    "series_list": "series/index.html",
    "series": "series/{}.html",
    "contradictions": "contradictions.html",
    "failed": "failed.html",
    "search": "search.html",
    "api_docs": "index.html",
}


def slug(identifier: str) -> str:
    """A file-name-safe, collision-free form of a store id."""
    safe = _SAFE.sub("_", identifier)
    if safe == identifier:
        return safe
    return f"{safe[:80]}-{hashlib.sha1(identifier.encode()).hexdigest()[:8]}"


@dataclass(frozen=True, slots=True)
class Links:
    """Builds links for one page: server paths, or relative file paths in the static report."""

    static: bool = False
    root: str = ""  # in the report: "../" repeated to reach the site root from the current page

    def url(self, kind: str, ident: str | None = None, **query: Any) -> str:
        """Return the link to a page kind (and id), with query parameters for the server."""
        if self.static:
            page = query.get("page", 1)
            if page != 1 and kind in ("events", "entities", "series_list", "failed", "contradictions"):
                base = FILES[kind].removesuffix(".html")
                base = base.replace("/index", "/page") if base.endswith("/index") else f"{base}-page"
                return f"{self.root}{base}-{page}.html"
            return self.root + FILES[kind].format(slug(ident) if ident is not None else "")
        path = PATHS[kind].format(quote(ident, safe="") if ident is not None else "")
        clean = {k: v for k, v in query.items() if k != "page" and v not in (None, "", 0)}
        return path + ("?" + urlencode(clean) if clean else "")

    def asset(self, name: str) -> str:
        """Return the link to a static asset (CSS, JS)."""
        return f"{self.root}static/{name}" if self.static else f"/static/{name}"


def make_env() -> jinja2.Environment:
    """The Jinja2 environment: templates from the package, autoescape always on."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("dossier.serve", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["slug"] = slug
    env.filters["d"] = _format_date
    env.filters["num"] = _format_number
    env.filters["join_names"] = lambda xs: ", ".join(str(x) for x in xs or [] if x)
    return env


def _format_date(value: Any, precision: str | None = None) -> str:
    if value is None:
        return "date unknown" if precision else "—"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        if precision == "month":
            return value.strftime("%B %Y")
        if precision == "year":
            return value.strftime("%Y")
        return value.isoformat()
    return str(value)


def _format_number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and value == int(value):
        return f"{int(value):,}"
    if isinstance(value, int | float):
        return f"{value:,}"
    return str(value)


def render(env: jinja2.Environment, template: str, links: Links, context: Mapping[str, Any]) -> str:
    """Render one page with its links helper."""
    return env.get_template(template).render(url=links.url, asset=links.asset, static=links.static, **context)


# --------------------------------------------------------------------------- page contexts


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    out = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append(dt.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def dashboard(reader: StoreReader) -> dict[str, Any]:
    """Counts, fused events per month by type, and the main dyads' cooperation/conflict trend."""
    counts = queries.counts(reader)
    by_month = queries.events_by_month(reader)
    timeline_chart = None
    if by_month:
        months = _months(by_month[0]["month"], by_month[-1]["month"])
        # More than five years of months make unreadable bars: count per year instead.
        fmt = "%Y" if len(months) > 60 else "%Y-%m"
        labels = sorted({m.strftime(fmt) for m in months})
        types = sorted({r["type"] for r in by_month})
        table = {t: [0.0] * len(labels) for t in types}
        index = {label: i for i, label in enumerate(labels)}
        for r in by_month:
            table[r["type"]][index[r["month"].strftime(fmt)]] += r["n"]
        timeline_chart = charts.stacked_bars(
            "chart-timeline",
            "Events per " + ("year" if fmt == "%Y" else "month") + " by PLOVER type",
            labels,
            [(t, table[t]) for t in types],
            y_label="events",
        )
    level, pairs = queries.top_dyads(reader)
    dyad_chart = None
    if pairs:
        rows = queries.dyad_months(reader, level, pairs)
        labels = sorted({r["month"].strftime("%Y-%m") for r in rows})
        index = {label: i for i, label in enumerate(labels)}
        series: list[tuple[str, list[float | None]]] = []
        for pair in pairs:
            values: list[float | None] = [None] * len(labels)
            for r in rows:
                if r["actor"] == pair["actor"] and r["target"] == pair["target"]:
                    values[index[r["month"].strftime("%Y-%m")]] = float(r["score"] or 0)
            series.append((f"{pair['actor_name']} → {pair['target_name']}", values))
        dyad_chart = charts.lines(
            "chart-dyads",
            "Cooperation (+) and conflict (−) per month, main actor pairs",
            labels,
            series,
            y_label="score",
            zero_line=True,
        )
    return {
        "title": "Dashboard",
        "counts": counts,
        "timeline_chart": timeline_chart,
        "dyad_chart": dyad_chart,
        "dyads": pairs,
        "dyad_level": level,
        "fused": queries.has_fused(reader),
        "entities": queries.top_entities(reader, 12),
        "series": queries.list_series(reader, 5, 0),
        "contradictions": queries.list_contradictions(reader, 5, 0),
        "recent": queries.fused(reader, queries.Filters(), 8, 0),
    }


def events_list(reader: StoreReader, f: queries.Filters, limit: int, offset: int) -> dict[str, Any]:
    """The fused events list with its filters."""
    page = queries.fused(reader, f, limit, offset)
    return {"title": "Events", "page": page, "filters": f, "types": queries.EVENT_TYPES}


def event(reader: StoreReader, event_id: str) -> dict[str, Any] | None:
    """One event with each reporting article shown in full, evidence marked in it."""
    found = queries.get_fused(reader, event_id)
    if found is None or "redirect" in found:
        return found
    for i, doc in enumerate(found["mentions"]):
        doc["article"], doc["evidence_list"], doc["missing"] = _marked_article(doc, f"d{i}")
    title = f"{found['type']}" + (f" ({found['mode']})" if found["mode"] else "")
    return {"title": f"Event {title}", "event": found}


def _marked_article(doc: Row, prefix: str, *, by_id: bool = False) -> tuple[Markup, list[Row], list[Row]]:
    """The article body escaped with every evidence span in <mark>, anchors for each span.

    A span whose stored offsets do not hold its text is looked up by text; one not found
    at all is listed as missing rather than marked somewhere wrong.
    """
    body: str = doc.get("body") or ""
    spans: list[Span] = []
    listed: list[Row] = []
    missing: list[Row] = []
    for n, span in enumerate(doc["spans"]):
        start, end = span["body_start"], span["body_end"]
        if body[start:end] != span["text"]:
            found = body.find(span["text"])
            start, end = (found, found + len(span["text"])) if found >= 0 else (-1, -1)
        if start < 0:
            missing.append(span)
            continue
        anchor = f"ev-{slug(span['evidence_id'])}" if by_id else f"{prefix}-e{n}"
        spans.append(Span(start, end, anchor))
        listed.append({**span, "anchor": anchor})
    return mark_spans(body, spans), listed, missing


def document(reader: StoreReader, doc_id: str) -> dict[str, Any] | None:
    """One article with every evidence span of every fact marked."""
    doc = queries.get_document(reader, doc_id)
    if doc is None:
        return None
    doc["spans"] = doc["evidence"]
    doc["article"], doc["evidence_list"], doc["missing"] = _marked_article(doc, "s", by_id=True)
    return {"title": doc["title"] or doc["name"], "doc": doc}


def entities_list(
    reader: StoreReader, limit: int, offset: int, q: str | None = None, type: str | None = None
) -> dict[str, Any]:
    """The entities list."""
    return {"title": "Entities", "page": queries.list_entities(reader, limit, offset, q=q, type=type), "q": q or ""}


def entity(reader: StoreReader, entity_id: str) -> dict[str, Any] | None:
    """One entity with aliases, roles, country, events, quotes and figures."""
    ent = queries.get_entity(reader, entity_id)
    if ent is None:
        return None
    if queries.has_fused(reader):
        ent["events"] = queries.fused(reader, queries.Filters(extra={"participant": ent["entity_id"]}), 200, 0).items
    else:
        ent["events"] = [queries._event_as_fused(e) for e in ent["events"]]
    return {"title": ent["name"], "entity": ent}


def series_list(reader: StoreReader, limit: int, offset: int) -> dict[str, Any]:
    """Figure series with a small chart each for the largest."""
    page = queries.list_series(reader, limit, offset)
    return {"title": "Figure series", "page": page}


def series(reader: StoreReader, series_id: str) -> dict[str, Any] | None:
    """One figure series: chart of values over as-of dates, one line per outlet, with evidence."""
    found = queries.get_series(reader, series_id)
    if found is None:
        return None
    dated = [m for m in found["members"] if m["as_of"] is not None]
    labels = sorted({m["as_of"].isoformat() for m in dated})
    index = {label: i for i, label in enumerate(labels)}
    outlets = sorted({m["outlet"] or m["document"] for m in dated})
    lines: list[tuple[str, list[float | None]]] = []
    for outlet in outlets:
        values: list[float | None] = [None] * len(labels)
        for m in dated:
            if (m["outlet"] or m["document"]) == outlet:
                i = index[m["as_of"].isoformat()]
                values[i] = max(values[i] or m["value"], m["value"])
        lines.append((outlet, values))
    subject = found["subject"] or found["category"]
    chart = charts.lines(
        "chart-series",
        f"{found['category']}: {subject}, as reported over time",
        labels,
        lines,
        y_label=found["unit"] or found["category"],
    )
    return {"title": f"Series: {found['category']} {subject}", "series": found, "series_chart": chart}


def contradictions(reader: StoreReader, limit: int, offset: int) -> dict[str, Any]:
    """Contradictions between sources."""
    return {"title": "Contradictions", "page": queries.list_contradictions(reader, limit, offset)}


def failed(reader: StoreReader, limit: int, offset: int) -> dict[str, Any]:
    """Failed and skipped inputs with their errors."""
    return {"title": "Failed documents", "page": queries.failures(reader, limit, offset)}


def search_page(reader: StoreReader, q: str, scope: str, limit: int, offset: int) -> dict[str, Any]:
    """Search results (documents and evidence) with highlighted hits."""
    result = search(reader, q, scope=scope, limit=limit, offset=offset) if q.strip() else None
    return {"title": f"Search: {q}" if q else "Search", "q": q, "scope": scope, "result": result}
