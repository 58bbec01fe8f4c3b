"""`dossier report`: the pages as a static site with relative links, escaped, openable from disk."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DOSSIER = str(Path(sys.executable).parent / "dossier")


@pytest.fixture(scope="module")
def site(store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    run = subprocess.run(
        [DOSSIER, "report", "--db", str(store), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "wrote" in run.stdout
    return out


def test_site_has_main_pages(site: Path) -> None:
    for rel in [
        "index.html",
        "events/index.html",
        "entities/index.html",
        "series/index.html",
        "contradictions.html",
        "failed.html",
        "search.html",
        "static/style.css",
    ]:
        assert (site / rel).is_file(), rel
    assert list((site / "documents").glob("*.html"))


def test_site_links_are_relative_and_resolve(site: Path) -> None:
    broken = []
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for link in re.findall(r'(?:href|src)="([^"#?]+)', html):
            assert not link.startswith("/"), f"{page}: absolute link {link}"
            if not (page.parent / link).resolve().exists():
                broken.append(f"{page.relative_to(site)} -> {link}")
    assert broken == []


def test_site_escapes_hostile_article(site: Path) -> None:
    pages = [p.read_text(encoding="utf-8") for p in (site / "documents").glob("*.html")]
    hostile = [p for p in pages if "ferry tender" in p]
    assert hostile, "the hostile article has no page"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile[0]
    for html in pages:
        assert "<script>alert" not in html and "<img src=x" not in html


def test_site_missing_store_is_one_line_error(tmp_path: Path) -> None:
    run = subprocess.run(
        [DOSSIER, "report", "--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 1
    assert "none.duckdb: no such store" in run.stderr and "Traceback" not in run.stderr
