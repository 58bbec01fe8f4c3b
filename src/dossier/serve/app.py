"""The HTTP server: a read-only JSON API and server-rendered HTML pages over one store.

Security: article text is untrusted and escaped everywhere (Jinja2 autoescape, the
highlighter escapes before marking); every response carries a strict CSP with no inline
script or style; only GET and HEAD are accepted; request bodies, URLs and page sizes are
capped; request values reach SQL only as parameters.
"""

# No `from __future__ import annotations`: FastAPI reads the route annotations at definition time.

import asyncio
import datetime as dt
import gc
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from dossier.serve import index, pages, queries
from dossier.serve.db import StoreReader
from dossier.serve.search import as_json, index_ready, search
from dossier.settings import Settings, load_settings

log = logging.getLogger(__name__)

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
STATIC_DIR = Path(__file__).parent / "static"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Guard:
    """ASGI middleware: read-only methods, size limits, and security headers on every response."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_url_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_url_bytes = max_url_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *[(n, v) for n, v in SECURITY_HEADERS if n not in names],
                ]
            await send(message)

        if scope["method"] not in ("GET", "HEAD"):
            await _plain(
                send_with_headers,
                405,
                "only GET and HEAD are allowed: this server is read-only",
                [(b"allow", b"GET, HEAD")],
            )
            return
        if len(scope.get("raw_path", b"")) + len(scope.get("query_string", b"")) > self.max_url_bytes:
            await _plain(send_with_headers, 414, f"the URL is longer than {self.max_url_bytes} bytes")
            return
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length", b"0")
        if not length.isdigit() or int(length) > self.max_body_bytes or b"transfer-encoding" in headers:
            await _plain(send_with_headers, 413, f"request bodies over {self.max_body_bytes} bytes are refused")
            return
        await self.app(scope, receive, send_with_headers)


async def _plain(send: Send, status: int, message: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = JSONResponse({"error": message}, status_code=status).body
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(extra or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _validation_message(err: RequestValidationError) -> str:
    parts = []
    for item in err.errors():
        where = ".".join(str(x) for x in item.get("loc", ()) if x not in ("query", "path"))
        parts.append(f"{where}: {item.get('msg', 'invalid')}")
    return "bad parameter: " + "; ".join(parts)


def create_app(db: Path | str, settings: Settings | None = None) -> FastAPI:
    """Return the FastAPI application serving the store at `db` (opened read-only)."""
    settings = settings or load_settings()
    max_page = int(settings.get("serve.max_page_size", 500))
    default_page = int(settings.get("serve.default_page_size", 50))
    max_query = int(settings.get("serve.max_query_chars", 200))
    max_offset = int(settings.get("serve.max_offset", 1_000_000))
    reader = StoreReader(db)
    env = pages.make_env()
    links = pages.Links()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Before the first request: check the precomputed indexes against the store and
        # render the dashboard once, so no visitor pays for either.
        await asyncio.to_thread(warm)
        yield
        reader.close()

    def warm() -> None:
        started = time.perf_counter()
        try:
            for part in index.SOURCES:
                index.ready(reader, part)
            for scope in ("documents", "evidence"):
                index_ready(reader, scope)
            page_dashboard()
        except Exception:  # a broken part shows on its own page; serving must still start
            log.exception("warming the server's caches failed")
        log.info("caches warmed in %.1f s", time.perf_counter() - started)

    app = FastAPI(
        lifespan=lifespan,
        title="Dossier API",
        summary="Read-only access to an evidence-backed news record: documents, entities, fused events, figures, "
        "quotes, contradictions, dyads, timeline and full-text search.",
        version="1",
        docs_url=None,  # Swagger UI loads scripts from a CDN and runs inline script: the /api page replaces it
        redoc_url=None,
    )
    app.state.reader = reader

    Limit = Annotated[int, Query(ge=1, le=max_page, description=f"rows per page (at most {max_page})")]
    Offset = Annotated[int, Query(ge=0, le=max_offset, description="rows to skip")]
    Text = Annotated[str | None, Query(min_length=1, max_length=max_query)]
    EventType = Literal[queries.EVENT_TYPES]  # type: ignore[valid-type]
    Since = Annotated[dt.date | None, Query(description="earliest date (YYYY-MM-DD)")]
    Until = Annotated[dt.date | None, Query(description="latest date (YYYY-MM-DD)")]

    def html(template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
        return HTMLResponse(pages.render(env, template, links, context), status_code=status)

    def is_api(request: Request) -> bool:
        return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, err: RequestValidationError) -> Response:
        message = _validation_message(err)
        if is_api(request):
            return JSONResponse({"error": message, "detail": jsonable_encoder(err.errors())}, status_code=422)
        return html("error.html", {"title": "Bad request", "message": message}, 400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, err: StarletteHTTPException) -> Response:
        message = str(err.detail)
        if is_api(request):
            return JSONResponse({"error": message}, status_code=err.status_code)
        title = "Not found" if err.status_code == 404 else "Error"
        return html("error.html", {"title": title, "message": message}, err.status_code)

    def check_range(since: dt.date | None, until: dt.date | None) -> None:
        if since and until and since > until:
            raise HTTPException(422, f"bad parameter: since ({since}) is after until ({until})")

    def filters(
        actor: str | None, type: str | None, since: dt.date | None, until: dt.date | None, outlet: str | None
    ) -> queries.Filters:
        check_range(since, until)
        return queries.Filters(actor=actor, type=type, since=since, until=until, outlet=outlet)

    # ------------------------------------------------------------------ JSON API

    @app.get("/api/stats", tags=["api"], summary="Row counts of the main tables")
    def api_stats() -> dict[str, Any]:
        return {"counts": queries.counts(reader), "fused": queries.has_fused(reader)}

    @app.get("/api/documents", tags=["api"], summary="Documents, newest first")
    def api_documents(
        limit: Limit = default_page,
        offset: Offset = 0,
        status: Literal["ok", "failed", "skipped"] | None = None,
        outlet: Text = None,
        since: Since = None,
        until: Until = None,
    ) -> dict[str, Any]:
        f = filters(None, None, since, until, outlet)
        return queries.list_documents(reader, f, limit, offset, status).as_json()

    @app.get("/api/documents/{doc_id}", tags=["api"], summary="One document with its body and evidence spans")
    def api_document(doc_id: str) -> dict[str, Any]:
        doc = queries.get_document(reader, doc_id)
        if doc is None:
            raise HTTPException(404, f"no document with id {doc_id!r}")
        return doc

    @app.get("/api/entities", tags=["api"], summary="Canonical entities, most active first")
    def api_entities(
        limit: Limit = default_page, offset: Offset = 0, type: Text = None, country: Text = None, q: Text = None
    ) -> dict[str, Any]:
        return queries.list_entities(reader, limit, offset, type=type, country=country, q=q).as_json()

    @app.get("/api/entities/{entity_id}", tags=["api"], summary="One entity with aliases, events, quotes, figures")
    def api_entity(entity_id: str) -> dict[str, Any]:
        ent = queries.get_entity(reader, entity_id)
        if ent is None:
            raise HTTPException(404, f"no entity with id {entity_id!r}")
        return ent

    @app.get(
        "/api/events",
        tags=["api"],
        summary="Fused events in date order",
        description="Filter by actor (entity id, canonical name or alias), PLOVER type, date range and outlet.",
    )
    def api_events(
        limit: Limit = default_page,
        offset: Offset = 0,
        actor: Text = None,
        type: EventType | None = None,
        since: Since = None,
        until: Until = None,
        outlet: Text = None,
    ) -> dict[str, Any]:
        return queries.fused(reader, filters(actor, type, since, until, outlet), limit, offset).as_json()

    @app.get("/api/events/{event_id}", tags=["api"], summary="One fused event with its members and evidence")
    def api_event(event_id: str) -> dict[str, Any]:
        event = queries.get_fused(reader, event_id)
        if event is not None and "redirect" in event:
            event = queries.get_fused(reader, event["redirect"])
        if event is None:
            raise HTTPException(404, f"no event with id {event_id!r}")
        for doc in event.get("mentions", []):
            doc.pop("body", None)  # the article is at /api/documents/{doc_id}
        return event

    @app.get("/api/timeline", tags=["api"], summary="Fused events in date order with one evidence line each")
    def api_timeline(
        limit: Limit = default_page,
        offset: Offset = 0,
        actor: Text = None,
        type: EventType | None = None,
        since: Since = None,
        until: Until = None,
        outlet: Text = None,
    ) -> dict[str, Any]:
        page = queries.fused(reader, filters(actor, type, since, until, outlet), limit, offset)
        keep = (
            "fused_event_id",
            "date",
            "precision",
            "type",
            "mode",
            "negated",
            "actors",
            "targets",
            "place",
            "outlets",
            "n_documents",
            "n_sources",
            "first_reported",
        )
        page.items = [
            {**{k: r.get(k) for k in keep}, "evidence_line": (r["evidence"] or [None])[0]} for r in page.items
        ]
        return page.as_json()

    @app.get(
        "/api/figures",
        tags=["api"],
        summary="Figures with evidence, by as-of date",
        description="`type` filters the category; `actor` matches the subject or source.",
    )
    def api_figures(
        limit: Limit = default_page,
        offset: Offset = 0,
        type: Text = None,
        actor: Text = None,
        since: Since = None,
        until: Until = None,
        outlet: Text = None,
    ) -> dict[str, Any]:
        return queries.list_figures(reader, filters(actor, type, since, until, outlet), limit, offset).as_json()

    @app.get("/api/series", tags=["api"], summary="Figure series across reports")
    def api_series(limit: Limit = default_page, offset: Offset = 0, category: Text = None) -> dict[str, Any]:
        return queries.list_series(reader, limit, offset, category).as_json()

    @app.get("/api/series/{series_id}", tags=["api"], summary="One figure series with its members")
    def api_one_series(series_id: str) -> dict[str, Any]:
        found = queries.get_series(reader, series_id)
        if found is None:
            raise HTTPException(404, f"no figure series with id {series_id!r}")
        return found

    @app.get("/api/quotes", tags=["api"], summary="Quotes with speaker, target and stance")
    def api_quotes(
        limit: Limit = default_page,
        offset: Offset = 0,
        actor: Text = None,
        stance: Literal["support", "condemn", "neutral", "request"] | None = None,
        since: Since = None,
        until: Until = None,
        outlet: Text = None,
    ) -> dict[str, Any]:
        f = filters(actor, None, since, until, outlet)
        return queries.list_quotes(reader, f, limit, offset, stance).as_json()

    @app.get("/api/contradictions", tags=["api"], summary="Contradictions between sources")
    def api_contradictions(
        limit: Limit = default_page,
        offset: Offset = 0,
        kind: Literal["figure_value", "event_negation", "event_date"] | None = None,
    ) -> dict[str, Any]:
        return queries.list_contradictions(reader, limit, offset, kind).as_json()

    @app.get("/api/dyads", tags=["api"], summary="Monthly cooperation/conflict per actor→target pair")
    def api_dyads(
        limit: Limit = default_page,
        offset: Offset = 0,
        level: Literal["country", "entity"] = "country",
        actor: Text = None,
        target: Text = None,
    ) -> dict[str, Any]:
        return queries.list_dyads(reader, limit, offset, level=level, actor=actor, target=target).as_json()

    @app.get("/api/failures", tags=["api"], summary="Failed and skipped inputs with their errors")
    def api_failures(limit: Limit = default_page, offset: Offset = 0) -> dict[str, Any]:
        return queries.failures(reader, limit, offset).as_json()

    @app.get(
        "/api/search",
        tags=["api"],
        summary="Full-text search (BM25) with highlighted snippets",
        description='All words must occur (stemmed); "quoted phrases" must occur verbatim. '
        "`snippet` is HTML: the text escaped, hits in <mark>. Ranking does bounded work: when "
        "`total_exact` is false, `total` is a lower bound (at least that many hits).",
    )
    def api_search(
        q: Annotated[str, Query(min_length=1, max_length=max_query)],
        limit: Limit = 20,
        offset: Offset = 0,
        scope: Literal["documents", "evidence"] = "documents",
    ) -> dict[str, Any]:
        result = search(reader, q, scope=scope, limit=limit, offset=offset)
        body: dict[str, Any] = {
            "query": q,
            "scope": scope,
            "total": result.total,
            "limit": limit,
            "offset": offset,
            "indexed": result.indexed,
            # False: counting every match would exceed the work bound, `total` is "at least".
            "total_exact": result.total_exact,
            "items": [as_json(h) for h in result.hits],
        }
        if offset + len(result.hits) < result.total:
            body["next_offset"] = offset + len(result.hits)
        return body

    # ------------------------------------------------------------------ HTML pages

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page_dashboard() -> HTMLResponse:
        # The store is read-only while served: the dashboard is rendered once.
        return HTMLResponse(
            reader.memo(("dashboard",), lambda: pages.render(env, "dashboard.html", links, pages.dashboard(reader)))
        )

    @app.get("/events", response_class=HTMLResponse, include_in_schema=False)
    def page_events(
        limit: Limit = default_page,
        offset: Offset = 0,
        actor: Text = None,
        type: Annotated[EventType | Literal[""] | None, Query()] = None,
        since: Since = None,
        until: Until = None,
        outlet: Text = None,
    ) -> HTMLResponse:
        f = filters(actor, type or None, since, until, outlet)
        return html("events.html", pages.events_list(reader, f, limit, offset))

    @app.get("/events/{event_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_event(event_id: str) -> Response:
        context = pages.event(reader, event_id)
        if context is None:
            raise HTTPException(404, f"no event with id {event_id!r}")
        if "redirect" in context:
            return RedirectResponse(links.url("event", context["redirect"]), status_code=303)
        return html("event.html", context)

    @app.get("/documents/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_document(doc_id: str) -> HTMLResponse:
        context = pages.document(reader, doc_id)
        if context is None:
            raise HTTPException(404, f"no document with id {doc_id!r}")
        return html("document.html", context)

    @app.get("/entities", response_class=HTMLResponse, include_in_schema=False)
    def page_entities(limit: Limit = default_page, offset: Offset = 0, q: Text = None) -> HTMLResponse:
        return html("entities.html", pages.entities_list(reader, limit, offset, q=q))

    @app.get("/entities/{entity_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_entity(entity_id: str) -> HTMLResponse:
        context = pages.entity(reader, entity_id)
        if context is None:
            raise HTTPException(404, f"no entity with id {entity_id!r}")
        return html("entity.html", context)

    @app.get("/series", response_class=HTMLResponse, include_in_schema=False)
    def page_series_list(limit: Limit = default_page, offset: Offset = 0) -> HTMLResponse:
        return html("series_list.html", pages.series_list(reader, limit, offset))

    @app.get("/series/{series_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_series(series_id: str) -> HTMLResponse:
        context = pages.series(reader, series_id)
        if context is None:
            raise HTTPException(404, f"no figure series with id {series_id!r}")
        return html("series.html", context)

    @app.get("/contradictions", response_class=HTMLResponse, include_in_schema=False)
    def page_contradictions(limit: Limit = default_page, offset: Offset = 0) -> HTMLResponse:
        return html("contradictions.html", pages.contradictions(reader, limit, offset))

    @app.get("/failed", response_class=HTMLResponse, include_in_schema=False)
    def page_failed(limit: Limit = default_page, offset: Offset = 0) -> HTMLResponse:
        return html("failed.html", pages.failed(reader, limit, offset))

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def page_search(
        q: Annotated[str, Query(max_length=max_query)] = "",
        limit: Limit = 20,
        offset: Offset = 0,
        scope: Literal["documents", "evidence"] = "documents",
    ) -> HTMLResponse:
        return html("search.html", pages.search_page(reader, q, scope, limit, offset))

    @app.get("/api", response_class=HTMLResponse, include_in_schema=False)
    def page_api() -> HTMLResponse:
        return html("api.html", {"title": "API", "endpoints": _endpoints(app.openapi()), "max_page": max_page})

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    max_body = int(settings.get("serve.max_request_bytes", 1024))
    max_url = int(settings.get("serve.max_url_bytes", 2048))
    app.add_middleware(Guard, max_body_bytes=max_body, max_url_bytes=max_url)
    return app


def _endpoints(spec: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for path, methods in spec.get("paths", {}).items():
        op = methods.get("get")
        if not op:
            continue
        params = []
        for p in op.get("parameters", []):
            schema = p.get("schema", {})
            kind = schema.get("type") or " | ".join(
                str(s.get("type") or s.get("enum") or "") for s in schema.get("anyOf", []) if s.get("type") != "null"
            )
            if "enum" in schema:
                kind = " | ".join(str(v) for v in schema["enum"])
            params.append(
                {
                    "name": p["name"],
                    "in": p["in"],
                    "required": p.get("required", False),
                    "type": kind,
                    "description": p.get("description") or schema.get("description", ""),
                }
            )
        out.append(
            {"path": path, "summary": op.get("summary", ""), "description": op.get("description", ""), "params": params}
        )
    return out


def serve(db: Path, *, host: str = "127.0.0.1", port: int = 8000, settings: Settings | None = None) -> None:
    """Serve the store at `db` until interrupted."""
    import uvicorn

    app = create_app(db, settings)
    # Everything imported so far lives as long as the server: keep it out of the cyclic
    # collector, so collections during requests scan only what requests allocate.
    gc.collect()
    gc.freeze()
    log.info("serving %s on http://%s:%d", db, host, port)
    uvicorn.run(
        app, host=host, port=port, log_level="warning", server_header=False, h11_max_incomplete_event_size=16384
    )
