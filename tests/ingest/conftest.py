"""Helpers that write real container files (WARC with warcio, gzip) for the ingest tests."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

PAGE = (
    "<!DOCTYPE html><html><head><title>Talks resume in Geneva</title></head><body><article>"
    "<h1>Talks resume in Geneva</h1><p>Negotiators from both delegations met on Thursday for a {n}th round "
    "of talks on prisoner exchanges, officials said.</p></article></body></html>"
)


def warc_bytes(records: list[tuple[str, str, bytes, str]], *, gz: bool) -> bytes:
    """Return a WARC file of response records (url, content type, payload, HTTP status)."""
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    info = writer.create_warcinfo_record("test.warc", {"software": "dossier tests"})
    writer.write_record(info)
    info.raw_stream.close()  # warcio buffers records in temporary files it never closes
    for url, ctype, payload, status in records:
        http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
        rec = writer.create_warc_record(url, "response", payload=io.BytesIO(payload), http_headers=http)
        writer.write_record(rec)
        rec.raw_stream.close()
    return buf.getvalue()


@pytest.fixture
def make_warc(tmp_path: Path) -> Callable[..., Path]:
    def _make(name: str, n_pages: int = 3, *, gz: bool = False, cut: int = 0, extra: bool = True) -> Path:
        records = [
            (f"https://news.example.org/geneva-{i}", "text/html; charset=utf-8", PAGE.format(n=i).encode(), "200 OK")
            for i in range(n_pages)
        ]
        if extra:
            # Records a crawl also holds and that are not articles.
            records.insert(1, ("https://news.example.org/logo.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
                               "200 OK"))
            gone = ("https://news.example.org/gone", "text/html", b"<html>Not found</html>", "404 Not Found")
            records.insert(2, gone)
        data = warc_bytes(records, gz=gz)
        path = tmp_path / name
        path.write_bytes(data[: len(data) - cut] if cut else data)
        return path

    return _make
