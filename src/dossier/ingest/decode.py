"""Bytes to text: binary detection, encoding detection and HTML-or-text sniffing."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from dossier.ingest.records import MediaType

# File signatures of formats people drop into a corpus folder by mistake.
_MAGIC_NUMBERS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF file"),
    (b"PK\x03\x04", "a ZIP archive (or DOCX/XLSX/EPUB)"),
    (b"\x89PNG", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x7fELF", "an executable"),
    (b"\xd0\xcf\x11\xe0", "an MS Office document"),
    (b"\x1f\x8b", "gzip data without a .gz name"),
    (b"BZh", "bzip2 data"),
    (b"\xfd7zXZ", "xz data"),
    (b"SQLite format 3", "an SQLite database"),
    (b"DUCK", "a DuckDB database"),
    (b"RIFF", "a RIFF media file"),
    (b"OggS", "an Ogg media file"),
    (b"ID3", "an MP3 file"),
)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters other than tab, newline, form feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Text with more than this share of control characters is binary data that happened to decode.
# Chosen so that a stray form feed or escape in a scraped page does not trip it.
_MAX_CONTROL_SHARE = 0.01
# Legacy encodings by how common they are on news sites (W3Techs character-encoding survey):
# the tie-break when a short text decodes equally well in several code pages.
_COMMON = ("cp1252", "latin_1", "iso8859_15", "cp1251", "gb18030", "gb2312", "shift_jis", "euc_kr", "euc_jp",
           "big5", "iso8859_2", "cp1250", "cp1256", "iso8859_9", "cp1254", "koi8_r", "tis_620", "cp874")
_HTML_START = re.compile(
    r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)
_HTML_TAGS = re.compile(
    r"<(?:html|head|body|article|div|p|meta|title|span|section|main|a\s+href|br|h[1-6])\b[^>]*>", re.I
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


class DecodeProblem(Exception):
    """Bytes that are not text; `error_class` and `problem` go into the failure message."""

    def __init__(self, error_class: str, problem: str) -> None:
        super().__init__(problem)
        self.error_class = error_class
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Decoded:
    """Decoded text and the encoding it was read with."""

    text: str
    encoding: str


def _binary_kind(data: bytes) -> str | None:
    for magic, kind in _MAGIC_NUMBERS:
        if data.startswith(magic):
            return kind
    return None


def _looks_binary(text: str) -> bool:
    sample = text[:65536]
    if not sample:
        return False
    return len(_CONTROL.findall(sample)) / len(sample) > _MAX_CONTROL_SHARE


def decode_bytes(data: bytes, *, declared: str | None = None) -> Decoded:
    """Return `data` as text; raise DecodeProblem for empty or binary data.

    Order: a byte-order mark; strict UTF-8; the charset the page or HTTP header declares;
    then charset-normalizer's best guess. `declared` is a charset from a container header.
    """
    if not data.strip():
        if not data:
            raise DecodeProblem("EmptyInput", "empty file (0 bytes)")
        raise DecodeProblem("EmptyInput", f"contains only whitespace ({len(data)} bytes)")
    kind = _binary_kind(data)
    if kind is not None:
        raise DecodeProblem("BinaryInput", f"binary data ({kind}, starts with {data[:8]!r}), not HTML or text")
    decoded: Decoded | None = None
    # 1. A byte-order mark says it all.
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                decoded = Decoded(data.decode(codec), codec.replace("-sig", ""))
            except UnicodeDecodeError:
                decoded = None
            break
    # 2. NUL bytes outside UTF-16/32 mean binary data.
    if decoded is None and b"\x00" in data[:8192]:
        raise DecodeProblem("BinaryInput", f"binary data (NUL bytes, starts with {data[:8]!r}), not HTML or text")
    # 3. Strict UTF-8, the common case.
    if decoded is None:
        try:
            decoded = Decoded(data.decode("utf-8"), "utf-8")
        except UnicodeDecodeError:
            decoded = None
    # 4. The charset a container header or the page itself declares.
    if decoded is None:
        for name in (declared, _declared_charset(data)):
            if not name:
                continue
            try:
                codec = codecs.lookup(name).name
                decoded = Decoded(data.decode(codec), codec)
                break
            except (LookupError, UnicodeDecodeError):
                continue
    # 5. Statistical detection.
    if decoded is None:
        from charset_normalizer import from_bytes

        matches = list(from_bytes(data))
        if not matches:
            raise DecodeProblem("BinaryInput", f"not text in any known encoding (starts with {data[:8]!r})")
        # Short texts fit several single-byte code pages equally well; among the equally
        # clean candidates take the one most used on the web.
        least = min(m.chaos for m in matches)
        tied = [m for m in matches if m.chaos == least]
        best = min(tied, key=lambda m: min((_COMMON.index(c) for c in m.could_be_from_charset if c in _COMMON),
                                           default=len(_COMMON)))
        decoded = Decoded(str(best), str(best.encoding))
    if _looks_binary(decoded.text):
        raise DecodeProblem("BinaryInput", f"binary data (control characters, starts with {data[:8]!r}), not text")
    return decoded


def _declared_charset(data: bytes) -> str | None:
    found = _META_CHARSET.search(data[:4096])
    return found.group(1).decode("ascii") if found else None


def sniff_media_type(text: str, *, name: str = "", hint: MediaType | None = None) -> MediaType:
    """Return "html" when the text is an HTML page or fragment, else "text".

    A page that starts like HTML is HTML whatever its name; otherwise a few common tags
    near the top decide, and then the file name or the container's hint.
    """
    head = text[:4096]
    if _HTML_START.match(head):
        return "html"
    if len(_HTML_TAGS.findall(head)) >= 3:
        return "html"
    lowered = name.lower().removesuffix(".gz")
    if lowered.endswith((".html", ".htm", ".xhtml")) and "<" in head:
        return "html"
    return hint or "text"
