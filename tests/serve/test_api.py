"""The JSON API against a real `dossier serve` on 127.0.0.1 over a store built from the corpus."""

from __future__ import annotations

import httpx
import pytest

LISTS = [
    "/api/documents",
    "/api/entities",
    "/api/events",
    "/api/timeline",
    "/api/figures",
    "/api/series",
    "/api/quotes",
    "/api/contradictions",
    "/api/dyads",
    "/api/failures",
]


@pytest.mark.parametrize("path", LISTS)
def test_api_lists_paginate(client: httpx.Client, path: str) -> None:
    body = client.get(path, params={"limit": 2}).json()
    assert set(body) >= {"items", "total", "limit", "offset"}
    assert body["limit"] == 2 and len(body["items"]) <= 2
    if body["total"] > 2:
        assert body["next_offset"] == 2
        second = client.get(path, params={"limit": 2, "offset": 2}).json()
        assert second["items"] != body["items"]


@pytest.mark.parametrize(
    "path, params, words",
    [
        ("/api/events", {"limit": 100000}, "limit: Input should be less than or equal to 500"),
        ("/api/events", {"type": "PARTY"}, "type: Input should be 'AGREE'"),
        ("/api/events", {"since": "last week"}, "since: Input should be a valid date"),
        ("/api/events", {"since": "2024-02-01", "until": "2024-01-01"}, "since (2024-02-01) is after until"),
        ("/api/documents", {"offset": -1}, "offset: Input should be greater than or equal to 0"),
        ("/api/search", {}, "q: Field required"),
        ("/api/search", {"q": "x" * 500}, "q: String should have at most 200 characters"),
        ("/api/dyads", {"level": "planet"}, "level: Input should be 'country' or 'entity'"),
    ],
)
def test_api_bad_parameters_are_4xx_with_message(client: httpx.Client, path: str, params: dict, words: str) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 422
    assert words in response.json()["error"]


@pytest.mark.parametrize("path", ["/api/documents/nope", "/api/entities/nope", "/api/events/nope", "/api/series/nope"])
def test_api_unknown_ids_are_404(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "nope" in response.json()["error"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_api_refuses_writes(client: httpx.Client, method: str) -> None:
    response = client.request(method, "/api/documents")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


def test_api_refuses_request_bodies_and_long_urls(client: httpx.Client) -> None:
    assert client.request("GET", "/api/stats", content=b"x" * 5000).status_code == 413
    assert client.get("/api/entities", params={"q": "a" * 3000}).status_code == 414


def test_api_security_headers_on_every_response(client: httpx.Client) -> None:
    for path in ["/", "/api/stats", "/static/style.css", "/missing"]:
        csp = client.get(path).headers["content-security-policy"]
        assert "script-src 'self'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp


def test_api_openapi_lists_every_endpoint(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    for path in [*LISTS, "/api/search", "/api/events/{event_id}", "/api/entities/{entity_id}"]:
        assert path in spec["paths"], path
    assert "/api/search" in client.get("/api").text


def test_api_ids_are_stable_and_resolve(client: httpx.Client) -> None:
    docs = client.get("/api/documents", params={"status": "ok", "limit": 5}).json()["items"]
    assert docs, "the store has no ok documents"
    again = client.get("/api/documents", params={"status": "ok", "limit": 5}).json()["items"]
    assert [d["doc_id"] for d in docs] == [d["doc_id"] for d in again]
    one = client.get(f"/api/documents/{docs[0]['doc_id']}").json()
    assert one["doc_id"] == docs[0]["doc_id"] and "body" in one
    entities = client.get("/api/entities", params={"limit": 1}).json()["items"]
    assert client.get(f"/api/entities/{entities[0]['entity_id']}").json()["name"] == entities[0]["name"]


def test_api_events_filter_by_type_actor_and_date(client: httpx.Client) -> None:
    events = client.get("/api/events", params={"limit": 500}).json()["items"]
    assert events, "the store has no events"
    first = events[0]
    typed = client.get("/api/events", params={"type": first["type"], "limit": 500}).json()["items"]
    assert typed and all(e["type"] == first["type"] for e in typed)
    with_actor = next(e for e in events if e["actors"])
    actor = with_actor["actors"][0]
    by_actor = client.get("/api/events", params={"actor": actor, "limit": 500}).json()["items"]
    assert with_actor["fused_event_id"] in [e["fused_event_id"] for e in by_actor]
    dated = [e for e in events if e["date"]]
    if dated:
        day = dated[0]["date"]
        window = client.get("/api/events", params={"since": day, "until": day, "limit": 500}).json()["items"]
        assert dated[0]["fused_event_id"] in [e["fused_event_id"] for e in window]
    nothing = client.get("/api/events", params={"actor": "No Such Actor Anywhere"}).json()
    assert nothing["total"] == 0


def test_api_event_detail_has_evidence_in_documents(client: httpx.Client) -> None:
    event = client.get("/api/events", params={"limit": 1}).json()["items"][0]
    detail = client.get(f"/api/events/{event['fused_event_id']}").json()
    spans = [s for doc in detail["mentions"] for s in doc["spans"]]
    assert spans and all(s["text"] for s in spans)
    assert event["evidence"][0] in [s["text"] for s in spans]


def test_api_search_finds_phrase_with_escaped_highlight(client: httpx.Client) -> None:
    body = client.get("/api/search", params={"q": '"reopen bidding"'}).json()
    assert body["total"] >= 1
    snippet = body["items"][0]["snippet"]
    assert "<mark>reopen bidding</mark>" in snippet
    hostile = client.get("/api/search", params={"q": "onerror"}).json()
    assert hostile["total"] >= 1
    text = hostile["items"][0]["snippet"]
    assert "<img" not in text and "&lt;img src=x <mark>onerror</mark>=alert(1)&gt;" in text


def test_api_search_evidence_scope(client: httpx.Client) -> None:
    evidence = client.get("/api/evidence-free-probe")
    assert evidence.status_code == 404
    event = client.get("/api/events", params={"limit": 1}).json()["items"][0]
    words = " ".join(event["evidence"][0].split()[:4])
    body = client.get("/api/search", params={"q": words, "scope": "evidence"}).json()
    assert body["total"] >= 1 and "<mark>" in body["items"][0]["snippet"]


@pytest.mark.parametrize(
    "path", ["/", "/events", "/entities", "/series", "/contradictions", "/failed", "/search?q=tender", "/api"]
)
def test_pages_render_and_escape(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<script>alert(1)</script>" not in response.text
    assert "<img src=x" not in response.text


def test_pages_hostile_document_shows_markup_as_text(client: httpx.Client) -> None:
    hit = client.get("/api/search", params={"q": "ferry tender Kyaukphyu"}).json()["items"][0]
    page = client.get(f"/documents/{hit['doc_id']}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script>" not in page and "<img" not in page


def test_pages_bad_parameter_is_html_400(client: httpx.Client) -> None:
    response = client.get("/events", params={"since": "<script>"})
    assert response.status_code == 400
    assert "since: Input should be a valid date" in response.text and "<script>" not in response.text
