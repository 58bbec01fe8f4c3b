"""The pages in a real headless Chromium (Debian's, never downloaded): charts, search, evidence, no XSS.

Run `make browser` first. With `--screenshots DIR` the main pages are saved as PNGs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    with playwright_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


class Watched:
    """A page with every console error, page error and dialog recorded."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda err: self.errors.append(str(err)))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def goto(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, path
        return response


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watched = Watched(context.new_page(), server)
    yield watched
    context.close()


@pytest.fixture(scope="module")
def shots(request: pytest.FixtureRequest) -> Path | None:
    folder = request.config.getoption("--screenshots")
    if not folder:
        return None
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _shot(page: Watched, shots: Path | None, name: str) -> None:
    if shots is not None:
        page.page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def _first_event(server: str) -> dict[str, Any]:
    items = httpx.get(f"{server}/api/events", params={"limit": 500}).json()["items"]
    assert items, "the store has no events"
    # The best-reported event makes the most useful page.
    return max(items, key=lambda e: (e["n_documents"], len(e["actors"]) + len(e["targets"])))


def test_browser_dashboard_renders_charts(page: Watched, shots: Path | None) -> None:
    page.goto("/")
    charts = page.page.locator("svg.chart[role=img]")
    assert charts.count() >= 1
    first = charts.first
    labelled = first.get_attribute("aria-labelledby") or ""
    title_id = labelled.split()[0]
    assert page.page.locator(f"[id='{title_id}']").text_content()
    assert first.locator("rect, circle").count() > 0, "the chart draws no marks"
    assert page.page.locator("figure.chart-box table.data").count() == charts.count()  # text alternative
    assert page.errors == []
    _shot(page, shots, "dashboard")


def test_browser_search_finds_known_phrase(page: Watched, shots: Path | None) -> None:
    page.goto("/")
    page.page.fill("#nav-q", '"reopen bidding"')
    page.page.press("#nav-q", "Enter")
    page.page.wait_for_url("**/search?**")
    marks = page.page.locator("ol.hits mark")
    assert marks.count() >= 1
    assert marks.first.text_content().lower() == "reopen bidding"
    assert page.errors == []
    _shot(page, shots, "search")


def test_browser_event_page_highlights_evidence(page: Watched, server: str, shots: Path | None) -> None:
    event = _first_event(server)
    page.goto(f"/events/{event['fused_event_id']}")
    marks = page.page.locator("article.source .body mark")
    assert marks.count() >= 1
    marked = [m.text_content() for m in marks.all()]
    assert event["evidence"][0] in marked
    link = page.page.locator("ol.evidence-index a").first
    link.click()
    anchor = page.page.evaluate("location.hash").lstrip("#")
    assert page.page.locator(f"mark[id='{anchor}']").is_visible()
    assert page.errors == []
    _shot(page, shots, "event")


def test_browser_hostile_article_script_never_runs(page: Watched, server: str, shots: Path | None) -> None:
    hit = httpx.get(f"{server}/api/search", params={"q": "ferry tender Kyaukphyu"}).json()["items"][0]
    page.goto(f"/documents/{hit['doc_id']}")
    body = page.page.locator("div.body").inner_text()
    assert "<script>alert(1)</script>" in body and "<img src=x onerror=alert(1)>" in body
    assert page.page.locator("div.body img, div.body script").count() == 0
    page.goto("/search?q=onerror")
    page.goto("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    page.page.wait_for_timeout(300)
    assert page.dialogs == []
    assert page.errors == []
    _shot(page, shots, "hostile-document")


@pytest.mark.parametrize(
    "path", ["/", "/events", "/entities", "/series", "/contradictions", "/failed", "/api", "/search?q=junta"]
)
def test_browser_pages_have_no_console_errors(page: Watched, path: str) -> None:
    page.goto(path)
    assert page.page.locator("main h1").count() == 1
    assert page.errors == []  # CSP violations are reported here too


def test_browser_entity_and_lists_screenshots(page: Watched, server: str, shots: Path | None) -> None:
    entities = httpx.get(f"{server}/api/entities", params={"limit": 1}).json()["items"]
    page.goto(f"/entities/{entities[0]['entity_id']}")
    assert page.page.locator("main h1").text_content().startswith(entities[0]["name"])
    _shot(page, shots, "entity")
    for path, name in [("/events", "events"), ("/contradictions", "contradictions"), ("/failed", "failed")]:
        page.goto(path)
        _shot(page, shots, name)
    series = httpx.get(f"{server}/api/series", params={"limit": 1}).json()["items"]
    if series:
        page.goto(f"/series/{series[0]['series_id']}")
        assert page.page.locator("svg.chart[role=img]").count() == 1
        _shot(page, shots, "figure-series")
    assert page.errors == []
