"""Reading one input file: a single document, a JSONL batch or a WARC file, gzipped or not.

Every reader streams: a document is read only up to the size cap, a JSONL file one line
at a time and a WARC file one record at a time. Problems become `InputFailure` records
with a one-line message (input, problem, what to do); the reader then goes on with the
next member when there is one.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import zlib
from collections.abc import Iterator
from typing import IO, Any, cast

from dossier.ingest.decode import DecodeProblem, decode_bytes, sniff_media_type
from dossier.ingest.paths import InputPath, MissingInput
from dossier.ingest.records import InputFailure, MediaType, RawDocument

log = logging.getLogger(__name__)

Item = RawDocument | InputFailure

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonlines")
WARC_SUFFIXES = (".warc",)
# JSONL fields carried to the clean stage as hints (metadata the container already knows).
HINT_FIELDS = ("title", "url", "date", "published", "outlet")
_CHUNK = 1 << 20

_ADVICE = {
    "EmptyInput": "remove it or export the article again",
    "BinaryInput": "convert it to HTML or text first, or leave it out of the inputs",
    "TruncatedGzip": "the file was cut short (an interrupted download?); download or compress it again",
    "InvalidGzip": "the file is named .gz but is not gzip data; rename or recompress it",
    "Unreadable": "check the file's permissions",
}


def sha256_hex(data: bytes) -> str:
    """Return the SHA-256 of `data` as hex: the document id of those bytes."""
    return hashlib.sha256(data).hexdigest()


def missing_doc_id(source: str) -> str:
    """Return the id recorded for an input that could not be read at all."""
    return sha256_hex(f"missing:{source}".encode())


def _file_hash(path: str) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                h.update(chunk)
    except OSError:
        return missing_doc_id(path)
    return h.hexdigest()


def _fail(
    source: str, name: str, doc_id: str, error_class: str, message: str, byte_size: int | None = None
) -> InputFailure:
    return InputFailure(source, name, doc_id, "ingest", error_class, message, "failed", byte_size)


def _unreadable(item: InputPath, name: str, err: OSError) -> InputFailure:
    """The failure for a file that cannot be opened or un-gzipped at all."""
    if isinstance(err, gzip.BadGzipFile):
        return _fail(item.source, name, _file_hash(item.source), "InvalidGzip",
                     f"{item.display}: not gzip data; {_ADVICE['InvalidGzip']}")
    return _fail(item.source, name, missing_doc_id(item.source), "Unreadable",
                 f"{item.display}: cannot be read ({err.strerror or err}); {_ADVICE['Unreadable']}")


def not_found(item: MissingInput) -> InputFailure:
    """Return the failure recorded for an input that names nothing on disk."""
    if item.is_pattern:
        message = f"{item.display}: no file matches this pattern; check the pattern and the current folder"
    else:
        message = f"{item.display}: no such file or folder; check the path"
    return _fail(item.source, os.path.basename(item.display) or item.display, missing_doc_id(item.source),
                 "NotFound", message)


def _too_large(display: str, size: int | None, cap: int) -> str:
    what = f"{size:,} bytes" if size is not None else "more bytes"
    return (
        f"{display}: too large ({what}, the cap is {cap:,}); raise ingest.max_document_bytes "
        "in a --config file or split the input"
    )


def read_path(item: InputPath, *, cap: int) -> Iterator[Item]:
    """Yield the documents (or failures) in one file, choosing the reader by its name."""
    lowered = item.display.lower()
    gz = lowered.endswith(".gz")
    base = lowered.removesuffix(".gz")
    if base.endswith(WARC_SUFFIXES):
        yield from read_warc(item, cap=cap, gz=gz)
    elif base.endswith(JSONL_SUFFIXES):
        yield from read_jsonl(item, cap=cap, gz=gz)
    else:
        yield read_single(item, cap=cap, gz=gz)


def read_single(item: InputPath, *, cap: int, gz: bool) -> Item:
    """Return the one document a file holds, or its failure."""
    name = os.path.basename(item.display)
    try:
        size = os.path.getsize(item.source)
        if not gz and size > cap:
            return _fail(item.source, name, _file_hash(item.source), "TooLarge", _too_large(item.display, size, cap),
                         size)
        with (gzip.open(item.source, "rb") if gz else open(item.source, "rb")) as fh:
            data = fh.read(cap + 1)
    except (EOFError, zlib.error) as err:
        return _fail(item.source, name, _file_hash(item.source), "TruncatedGzip",
                     f"{item.display}: truncated gzip data ({err}); {_ADVICE['TruncatedGzip']}")
    except OSError as err:  # gzip.BadGzipFile is an OSError too
        return _unreadable(item, name, err)
    if len(data) > cap:
        return _fail(item.source, name, _file_hash(item.source), "TooLarge", _too_large(item.display, None, cap))
    return _document(data, source=item.source, name=name, display=item.display)


def _document(
    data: bytes,
    *,
    source: str,
    name: str,
    display: str,
    declared: str | None = None,
    hint: MediaType | None = None,
    url: str | None = None,
    hints: dict[str, str] | None = None,
) -> Item:
    doc_id = sha256_hex(data)
    try:
        decoded = decode_bytes(data, declared=declared)
    except DecodeProblem as problem:
        advice = _ADVICE.get(problem.error_class, "check the input")
        return _fail(source, name, doc_id, problem.error_class, f"{display}: {problem.problem}; {advice}", len(data))
    media_type = sniff_media_type(decoded.text, name=name, hint=hint)
    return RawDocument(
        doc_id=doc_id,
        source=source,
        name=name,
        raw=decoded.text,
        media_type=media_type,
        encoding=decoded.encoding,
        byte_size=len(data),
        url=url,
        hints=hints or {},
    )


def _open(item: InputPath, gz: bool) -> IO[bytes]:
    if gz:
        return cast(IO[bytes], gzip.open(item.source, "rb"))
    return open(item.source, "rb")


def read_jsonl(item: InputPath, *, cap: int, gz: bool) -> Iterator[Item]:
    """Yield one document per line of a JSONL file; a bad line is a failure naming its number."""
    base = os.path.basename(item.display)
    line_no = 0
    try:
        with _open(item, gz) as fh:
            while True:
                line = fh.readline(cap + 1)
                if not line:
                    break
                line_no += 1
                where = f"{item.display}: line {line_no}"
                source = f"{item.source}#line={line_no}"
                if len(line) > cap and not line.endswith(b"\n"):
                    h = hashlib.sha256(line)
                    while chunk := fh.readline(_CHUNK):
                        h.update(chunk)
                        if chunk.endswith(b"\n"):
                            break
                    yield _fail(source, f"{base}#line={line_no}", h.hexdigest(), "TooLarge",
                                _too_large(where, None, cap))
                    continue
                data = line.rstrip(b"\r\n")
                if not data.strip():
                    continue  # blank lines separate nothing in JSONL
                yield _jsonl_member(data, where=where, source=source, default_name=f"{base}#line={line_no}")
    except (EOFError, zlib.error) as err:
        yield _fail(f"{item.source}#line={line_no + 1}", f"{base}#line={line_no + 1}", _file_hash(item.source),
                    "TruncatedGzip",
                    f"{item.display}: truncated gzip data after line {line_no} ({err}); the lines before it "
                    f"were read; {_ADVICE['TruncatedGzip']}")
    except OSError as err:  # gzip.BadGzipFile is an OSError too
        yield _unreadable(item, base, err)


def _jsonl_member(data: bytes, *, where: str, source: str, default_name: str) -> Item:
    doc_id = sha256_hex(data)

    def invalid(problem: str, name: str = default_name) -> InputFailure:
        return _fail(source, name, doc_id, "InvalidJSONL", f"{where}: {problem}", len(data))

    try:
        obj: Any = json.loads(data)
    except UnicodeDecodeError:
        return invalid("not UTF-8 (JSON must be UTF-8); re-encode the file as UTF-8")
    except json.JSONDecodeError as err:
        return invalid(f"not valid JSON (column {err.colno}: {err.msg}); fix or remove the line")
    if not isinstance(obj, dict):
        return invalid(f"a JSON {type(obj).__name__}, not an object; write one object per line")
    key = next((k for k in ("id", "name") if isinstance(obj.get(k), str | int) and str(obj.get(k)).strip()), None)
    name = str(obj[key]).strip() if key else default_name
    field = "html" if obj.get("html") is not None else "text" if obj.get("text") is not None else None
    if field is None:
        return invalid("no `text` or `html` field; add one (title, url, date and outlet are read as metadata)", name)
    body = obj[field]
    if not isinstance(body, str):
        return invalid(f"the `{field}` field is a {type(body).__name__}, not a string; store the article as a string",
                       name)
    if not body.strip():
        return _fail(source, name, doc_id, "EmptyInput",
                     f"{where}: the `{field}` field is empty; {_ADVICE['EmptyInput']}", len(data))
    hints = {k: str(obj[k]) for k in HINT_FIELDS if obj.get(k) not in (None, "")}
    media_type = sniff_media_type(body, hint="html" if field == "html" else "text")
    return RawDocument(
        doc_id=doc_id,
        source=source,
        name=name,
        raw=body,
        media_type=media_type,
        encoding="utf-8",
        byte_size=len(data),
        url=hints.get("url"),
        hints=hints,
    )


class _GzipStream:
    """Multi-member gzip decompression that returns every byte it can and flags a cut.

    `gzip.GzipFile` raises EOFError and drops the block it was decompressing, and warcio
    swallows the error; this stream hands over the data before the cut and sets `truncated`.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.decomp = zlib.decompressobj(wbits=31)
        self.buffer = b""
        self.eof = False
        self.truncated = False

    def read(self, size: int = -1) -> bytes:
        while not self.eof and (size < 0 or len(self.buffer) < size):
            chunk = self.raw.read(_CHUNK)
            if not chunk:
                self.eof = True
                # A member was started and not finished: the file is cut short.
                self.truncated = not self.decomp.eof and bool(self.decomp.unconsumed_tail or self._started)
                break
            self._feed(chunk)
        if size < 0:
            out, self.buffer = self.buffer, b""
        else:
            out, self.buffer = self.buffer[:size], self.buffer[size:]
        return out

    _started = False

    def _feed(self, chunk: bytes) -> None:
        while chunk:
            self._started = True
            self.buffer += self.decomp.decompress(chunk)
            if not self.decomp.eof:
                return
            # The member ended: the rest of the chunk starts the next one.
            chunk = self.decomp.unused_data
            self.decomp = zlib.decompressobj(wbits=31)
            self._started = False


def read_warc(item: InputPath, *, cap: int, gz: bool) -> Iterator[Item]:
    """Yield one document per HTML response record of a WARC file.

    Records that are not successful HTML (or text) responses are passed over. A record cut
    short ends the file with a failure; the records before it are kept.
    """
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    base = os.path.basename(item.display)
    record_no = 0
    try:
        with open(item.source, "rb") as raw:
            if gz and raw.read(2) != b"\x1f\x8b":
                raise gzip.BadGzipFile(item.source)
            raw.seek(0)
            # Our own gzip reader: warcio's silently drops a record whose gzip member is cut short.
            stream = _GzipStream(raw) if gz else raw
            records = ArchiveIterator(stream, no_record_parse=False, arc2warc=True)
            for record in records:
                record_no += 1
                member = _warc_member(record, item=item, base=base, record_no=record_no, cap=cap)
                if member is not None:
                    yield member
                    if isinstance(member, InputFailure) and member.error_class == "TruncatedWARC":
                        return
            if isinstance(stream, _GzipStream) and stream.truncated:
                raise EOFError("the gzip data ends in the middle of a record")
            # warcio stops quietly at a record whose header is cut; bytes left unparsed show it.
            if not gz and records.offset < os.path.getsize(item.source):
                raise EOFError("the file ends inside a record header")
    except OSError as err:  # gzip.BadGzipFile is an OSError too
        yield _unreadable(item, base, err)
    # warcio reports a cut or garbled record with whatever exception its parser hits.
    except (EOFError, zlib.error, ArchiveLoadFailed, ValueError, AttributeError, KeyError, IndexError) as err:
        n = record_no + 1
        detail = str(err).splitlines()[0] if str(err) else type(err).__name__
        yield _fail(f"{item.source}#record={n}", f"{base}#record={n}", _file_hash(item.source), "TruncatedWARC",
                    f"{item.display}: record {n} is cut short or malformed ({detail}); the {record_no} records "
                    "before it were read; download the WARC file again")


def _warc_member(record: Any, *, item: InputPath, base: str, record_no: int, cap: int) -> Item | None:
    """Return the document (or failure) in one record; None for a record that holds no article."""
    source = f"{item.source}#record={record_no}"
    name = f"{base}#record={record_no}"
    where = f"{item.display}: record {record_no}"
    length_header = (record.rec_headers.get_header("Content-Length") or "").strip()
    if not length_header.isdigit():
        # Every WARC record states its length; without one the header itself was cut.
        return _fail(source, name, missing_doc_id(source), "TruncatedWARC",
                     f"{where} is cut short (its header has no Content-Length); the records before it were read; "
                     "download the WARC file again")
    declared_length = int(length_header)

    def passed_over() -> Item | None:
        # A record we do not read must still be whole: drain it and check nothing is missing.
        while record.raw_stream.read(_CHUNK):
            pass
        remaining = getattr(record.raw_stream, "limit", 0)
        if not remaining:
            return None
        return _fail(source, name, missing_doc_id(source), "TruncatedWARC",
                     f"{where} is cut short ({declared_length - remaining:,} of {declared_length:,} bytes); "
                     "the records before it were read; download the WARC file again")

    if record.rec_type not in ("response", "resource"):
        return passed_over()
    content_type = ""
    if record.http_headers is not None:
        status = record.http_headers.get_statuscode() or ""
        if not status.startswith("2"):
            return passed_over()
        content_type = record.http_headers.get_header("Content-Type") or ""
    else:
        content_type = record.rec_headers.get_header("Content-Type") or ""
    media = content_type.split(";")[0].strip().lower()
    if media and media not in ("text/html", "application/xhtml+xml", "text/plain"):
        return passed_over()
    url = record.rec_headers.get_header("WARC-Target-URI")
    if declared_length > cap:
        return _fail(source, name, missing_doc_id(source), "TooLarge", _too_large(where, declared_length, cap),
                     declared_length)
    data = record.content_stream().read(cap + 1)
    remaining = getattr(record.raw_stream, "limit", 0)
    if remaining:
        got = declared_length - remaining
        return _fail(source, name, sha256_hex(data), "TruncatedWARC",
                     f"{where} is cut short ({got:,} of {declared_length:,} bytes); the records before it were "
                     "read; download the WARC file again", len(data))
    if len(data) > cap:
        return _fail(source, name, sha256_hex(data), "TooLarge", _too_large(where, None, cap))
    charset = None
    if "charset=" in content_type.lower():
        charset = content_type.lower().split("charset=", 1)[1].split(";")[0].strip().strip("\"'") or None
    hints = {"url": url} if url else {}
    crawled = record.rec_headers.get_header("WARC-Date")
    if crawled:
        hints["crawled"] = crawled
    return _document(data, source=source, name=name, display=where, declared=charset,
                     hint="html" if "html" in media else None, url=url, hints=hints)
