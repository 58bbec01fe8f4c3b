"""Records emitted by the ingest stage: raw documents and input failures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

MediaType = Literal["html", "text"]


@dataclass(frozen=True, slots=True)
class RawDocument:
    """One input document, decoded to text.

    `raw` is the decoded input; every character offset Dossier stores (evidence spans)
    indexes into it. `doc_id` is the SHA-256 (hex) of the document's raw bytes, so the
    same bytes always give the same id wherever they come from.
    """

    doc_id: str
    source: str  # path or URL; members of a container add "#line=N" or "#record=N"
    name: str  # the article's file name, the `article` field of the output
    raw: str
    media_type: MediaType
    encoding: str
    byte_size: int
    url: str | None = None
    # Hints carried by a container (JSONL fields such as title/date/url, WARC headers).
    hints: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class InputFailure:
    """An input that could not be read or decoded; recorded in the store, never raised."""

    source: str
    name: str
    doc_id: str | None  # SHA-256 of the bytes when any were read
    stage: str  # "ingest" here; later stages reuse the shape
    error_class: str  # e.g. "EmptyInput", "BinaryInput", "InvalidJSONL"
    message: str  # one line, names the input and what to do
    status: Literal["failed", "skipped"] = "failed"
    byte_size: int | None = None  # size of the bytes read, when any were
