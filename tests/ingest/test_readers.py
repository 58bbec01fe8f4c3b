"""Ingest: every input form and every bad-input kind, on real files."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path

import pytest

from dossier.ingest import iter_documents
from dossier.ingest.records import InputFailure, RawDocument
from dossier.settings import Settings

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
ARTICLE = (FIX / "port_strike.txt").read_bytes()


def read(*inputs: object, cap: int = 5_000_000) -> list[RawDocument | InputFailure]:
    settings = Settings(values={"ingest": {"max_document_bytes": cap}})
    return list(iter_documents([os.fspath(i) for i in inputs], settings=settings))  # type: ignore[arg-type]


def only(items: list[RawDocument | InputFailure]) -> RawDocument | InputFailure:
    assert len(items) == 1, items
    return items[0]


def test_readers_text_file_is_one_document_keyed_by_its_bytes() -> None:
    doc = only(read(FIX / "port_strike.txt"))
    assert isinstance(doc, RawDocument)
    assert doc.doc_id == hashlib.sha256(ARTICLE).hexdigest()
    assert doc.raw == ARTICLE.decode("utf-8")
    assert (doc.name, doc.media_type, doc.encoding, doc.byte_size) == ("port_strike.txt", "text", "utf-8", len(ARTICLE))
    assert doc.source == str((FIX / "port_strike.txt").resolve())


def test_readers_html_is_sniffed_by_content_not_name(tmp_path: Path) -> None:
    page = (FIX / "harbour_page.html").read_bytes()
    (tmp_path / "saved_page.txt").write_bytes(page)
    (tmp_path / "notes.html").write_bytes(b"Plain notes about the meeting, no markup at all.\n")
    docs = read(tmp_path)
    assert [(d.name, d.media_type) for d in docs if isinstance(d, RawDocument)] == [
        ("notes.html", "text"),
        ("saved_page.txt", "html"),
    ]


def test_readers_folder_walk_is_sorted_recursive_and_skips_hidden(tmp_path: Path) -> None:
    for rel in ["b/2.txt", "a.txt", "b/1.txt", "c/d/3.txt", ".git/config", "b/.DS_Store"]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Article {rel} about the harbour strike.\n")
    names = [os.path.relpath(d.source, tmp_path) for d in read(tmp_path)]
    assert names == ["a.txt", "b/1.txt", "b/2.txt", "c/d/3.txt"]


def test_readers_glob_patterns_match_in_sorted_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for rel in ["x/2.txt", "x/1.txt", "x/skip.md", "y/z/3.txt"]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Report {rel} on the vote.\n")
    monkeypatch.chdir(tmp_path)
    assert [d.name for d in read("x/*.txt")] == ["1.txt", "2.txt"]
    assert [d.name for d in read("**/*.txt")] == ["1.txt", "2.txt", "3.txt"]
    assert [d.name for d in read(str(tmp_path / "*" / "*.txt"))] == ["1.txt", "2.txt"]


@pytest.mark.parametrize(
    "given, message",
    [
        ("missing/story.txt", "missing/story.txt: no such file or folder; check the path"),
        ("missing/*.txt", "missing/*.txt: no file matches this pattern; check the pattern and the current folder"),
    ],
)
def test_readers_missing_path_is_a_not_found_failure(
    given: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    fail = only(read(given))
    assert isinstance(fail, InputFailure)
    assert (fail.error_class, fail.message, fail.status, fail.stage) == ("NotFound", message, "failed", "ingest")
    assert fail.doc_id == hashlib.sha256(f"missing:{tmp_path / given}".encode()).hexdigest()


def test_readers_gzip_document_has_the_id_of_its_content(tmp_path: Path) -> None:
    path = tmp_path / "port_strike.txt.gz"
    path.write_bytes(gzip.compress(ARTICLE))
    doc = only(read(path))
    assert isinstance(doc, RawDocument)
    assert doc.doc_id == hashlib.sha256(ARTICLE).hexdigest()
    assert doc.raw.startswith("Harbour workers end")


BAD_FILES = [  # file name, bytes, error class, message after "<path>: "
    ("empty.txt", b"", "EmptyInput", "empty file (0 bytes); remove it or export the article again"),
    ("blank.txt", b"  \n\n \t\n", "EmptyInput",
     "contains only whitespace (7 bytes); remove it or export the article again"),
    ("scan.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "BinaryInput",
     "binary data (a PDF file, starts with b'%PDF-1.7'), not HTML or text; convert it to HTML or text first, "
     "or leave it out of the inputs"),
    ("blob.dat", b"\x01\x02\x00\x00\x10\x00\xff\xfe" * 40, "BinaryInput",
     "binary data (NUL bytes, starts with b'\\x01\\x02\\x00\\x00\\x10\\x00\\xff\\xfe'), not HTML or text; "
     "convert it to HTML or text first, or leave it out of the inputs"),
    ("page.html.gz", gzip.compress(ARTICLE)[:-30], "TruncatedGzip",
     "truncated gzip data (Compressed file ended before the end-of-stream marker was reached); the file was cut "
     "short (an interrupted download?); download or compress it again"),
    ("notgz.txt.gz", ARTICLE, "InvalidGzip",
     "not gzip data; the file is named .gz but is not gzip data; rename or recompress it"),
]


@pytest.mark.parametrize("name, data, error_class, message", BAD_FILES)
def test_readers_bad_file_is_one_failure_with_a_clear_message(
    name: str, data: bytes, error_class: str, message: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    fail = only(read(path))
    assert isinstance(fail, InputFailure)
    assert fail.error_class == error_class
    assert fail.message == f"{path}: {message}"
    assert fail.doc_id == hashlib.sha256(data).hexdigest()
    assert "\n" not in fail.message


def test_readers_size_cap_fails_without_reading_the_file(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_bytes(ARTICLE)
    fail = only(read(path, cap=100))
    assert isinstance(fail, InputFailure)
    assert fail.error_class == "TooLarge"
    assert fail.message == (
        f"{path}: too large ({len(ARTICLE):,} bytes, the cap is 100); raise ingest.max_document_bytes "
        "in a --config file or split the input"
    )
    assert fail.byte_size == len(ARTICLE)
    # A gzip bomb is stopped at the cap too, after decompression.
    bomb = tmp_path / "bomb.txt.gz"
    bomb.write_bytes(gzip.compress(b"a" * 10_000))
    assert only(read(bomb, cap=100)).error_class == "TooLarge"  # type: ignore[union-attr]


def test_readers_latin1_text_is_decoded_by_detection() -> None:
    doc = only(read(FIX / "geneve_latin1.txt"))
    assert isinstance(doc, RawDocument)
    assert "a déclaré le porte-parole" in doc.raw
    assert "« Nous sommes prêts »" in doc.raw
    assert doc.encoding != "utf-8"


def test_readers_declared_charset_of_a_page_is_used(tmp_path: Path) -> None:
    page = (
        '<html><head><meta charset="windows-1252"><title>Café</title></head>'
        "<body><p>Le café “noir”.</p></body></html>"
    )
    path = tmp_path / "cafe.html"
    path.write_bytes(page.encode("cp1252"))
    doc = only(read(path))
    assert isinstance(doc, RawDocument)
    assert doc.raw == page
    assert (doc.encoding, doc.media_type) == ("cp1252", "html")


def test_readers_utf16_with_bom_is_text_not_binary(tmp_path: Path) -> None:
    path = tmp_path / "memo.txt"
    path.write_bytes("The envoy arrived in Nairobi on Monday.".encode("utf-16"))
    doc = only(read(path))
    assert isinstance(doc, RawDocument)
    assert doc.raw == "The envoy arrived in Nairobi on Monday."


def test_readers_truncated_html_is_read_for_the_clean_stage_to_judge() -> None:
    doc = only(read(FIX / "truncated_page.html"))
    assert isinstance(doc, RawDocument)
    assert doc.media_type == "html"
    assert doc.raw.endswith("low-lying villa")


def _jsonl_lines() -> list[bytes]:
    return [
        json.dumps({"id": "wire-001", "text": "Ministers met in Geneva on Tuesday.", "title": "Talks",
                    "url": "https://wire.example/1", "date": "2023-05-02", "outlet": "Example Wire",
                    "lang": "en"}).encode(),
        b'{"text": "Unterminated',
        b"",
        json.dumps({"html": "<html><body><p>Rescue teams reached the village.</p></body></html>",
                    "published": "2023-05-03"}).encode(),
        json.dumps(["not", "an", "object"]).encode(),
        json.dumps({"title": "No body here"}).encode(),
        json.dumps({"name": "blank-one", "text": "   "}).encode(),
        json.dumps({"text": 42}).encode(),
    ]


@pytest.mark.parametrize("gz", [False, True])
def test_readers_jsonl_members_and_bad_lines(gz: bool, tmp_path: Path) -> None:
    lines = _jsonl_lines()
    data = b"\n".join(lines) + b"\n"
    path = tmp_path / ("batch.jsonl.gz" if gz else "batch.jsonl")
    path.write_bytes(gzip.compress(data) if gz else data)
    items = read(path)
    first = items[0]
    assert isinstance(first, RawDocument)
    assert (first.name, first.raw, first.media_type, first.url) == (
        "wire-001", "Ministers met in Geneva on Tuesday.", "text", "https://wire.example/1")
    assert first.hints == {"title": "Talks", "url": "https://wire.example/1", "date": "2023-05-02",
                           "outlet": "Example Wire"}
    assert first.doc_id == hashlib.sha256(lines[0]).hexdigest()
    assert first.source == f"{path}#line=1"
    by_line = {i.source.rsplit("#line=", 1)[1]: i for i in items}
    assert sorted(by_line, key=int) == ["1", "2", "4", "5", "6", "7", "8"]  # blank line 3 is no document
    html = by_line["4"]
    assert isinstance(html, RawDocument)
    assert (html.name, html.media_type, html.hints) == ("batch.jsonl#line=4" if not gz else "batch.jsonl.gz#line=4",
                                                          "html", {"published": "2023-05-03"})
    expected = {
        "2": ("InvalidJSONL", "line 2: not valid JSON (column 10: Unterminated string starting at); "
                              "fix or remove the line"),
        "5": ("InvalidJSONL", "line 5: a JSON list, not an object; write one object per line"),
        "6": ("InvalidJSONL", "line 6: no `text` or `html` field; add one (title, url, date and outlet are read as "
                              "metadata)"),
        "7": ("EmptyInput", "line 7: the `text` field is empty; remove it or export the article again"),
        "8": ("InvalidJSONL", "line 8: the `text` field is a int, not a string; store the article as a string"),
    }
    for line, (error_class, message) in expected.items():
        fail = by_line[line]
        assert isinstance(fail, InputFailure)
        assert (fail.error_class, fail.message) == (error_class, f"{path}: {message}")
    assert by_line["7"].name == "blank-one"


def test_readers_truncated_jsonl_gz_keeps_the_lines_before(tmp_path: Path) -> None:
    data = b"\n".join(json.dumps({"text": f"Story number {i} about the flood."}).encode() for i in range(200))
    path = tmp_path / "big.jsonl.gz"
    packed = gzip.compress(data)
    path.write_bytes(packed[: len(packed) * 2 // 3])
    items = read(path)
    docs = [i for i in items if isinstance(i, RawDocument)]
    assert docs and docs[0].raw == "Story number 0 about the flood."
    last = items[-1]
    assert isinstance(last, InputFailure)
    assert last.error_class == "TruncatedGzip"
    assert last.message.startswith(f"{path}: truncated gzip data after line {len(docs)} (")
    assert last.message.endswith("the lines before it were read; the file was cut short (an interrupted "
                                 "download?); download or compress it again")


def test_readers_jsonl_line_over_the_cap_is_skipped_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps({"text": "x" * 500}) + "\n" + json.dumps({"text": "Short story."}) + "\n")
    items = read(path, cap=200)
    assert [type(i).__name__ for i in items] == ["InputFailure", "RawDocument"]
    assert items[0].error_class == "TooLarge"  # type: ignore[union-attr]
    assert items[1].raw == "Short story."  # type: ignore[union-attr]


@pytest.mark.parametrize("gz", [False, True])
def test_readers_warc_yields_html_responses_only(gz: bool, make_warc) -> None:  # type: ignore[no-untyped-def]
    path = make_warc("crawl.warc.gz" if gz else "crawl.warc", 3, gz=gz)
    docs = read(path)
    assert all(isinstance(d, RawDocument) for d in docs)
    assert [d.url for d in docs] == [f"https://news.example.org/geneva-{i}" for i in range(3)]  # type: ignore[union-attr]
    first = docs[0]
    assert isinstance(first, RawDocument)
    assert first.media_type == "html"
    assert "Negotiators from both delegations" in first.raw
    assert first.doc_id == hashlib.sha256(first.raw.encode()).hexdigest()
    assert first.source == f"{path}#record=2"  # record 1 is the warcinfo header
    assert first.hints["url"] == first.url and "crawled" in first.hints


@pytest.mark.parametrize("gz", [False, True])
def test_readers_truncated_warc_keeps_earlier_records(gz: bool, make_warc) -> None:  # type: ignore[no-untyped-def]
    path = make_warc("cut.warc.gz" if gz else "cut.warc", 3, gz=gz, cut=120, extra=False)
    items = read(path)
    docs = [i for i in items if isinstance(i, RawDocument)]
    assert len(docs) == 2
    fail = items[-1]
    assert isinstance(fail, InputFailure)
    assert fail.error_class == "TruncatedWARC"
    assert fail.message.startswith(f"{path}: record 4 is cut short")
    assert fail.message.endswith("download the WARC file again")
