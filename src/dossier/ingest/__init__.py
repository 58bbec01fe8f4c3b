"""Ingest stage: inputs (files, folders, globs, .gz, JSONL, WARC) to raw documents.

Entry point: `iter_documents(inputs, settings=...)`, a lazy stream of `RawDocument` and
`InputFailure` records in a reproducible order (inputs in the order given, folders walked
in sorted order, container members in file order).
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Iterator

from dossier.ingest.paths import InputPath, MissingInput, expand_inputs
from dossier.ingest.readers import not_found, read_path
from dossier.ingest.records import InputFailure, RawDocument
from dossier.settings import Settings

DEFAULT_MAX_DOCUMENT_BYTES = 5_000_000


def iter_documents(
    inputs: Iterable[str | os.PathLike[str]],
    *,
    settings: Settings,
    exclude: Collection[str | os.PathLike[str]] = (),
) -> Iterator[RawDocument | InputFailure]:
    """Yield every document named by `inputs`, or a failure saying why it cannot be read.

    Never raises for a bad input: a missing path, an empty, binary, oversized or truncated
    file, or a bad JSONL line each become one `InputFailure`, and the stream goes on.
    `exclude` lists files to pass over (the store's own files when it sits in an input folder).
    """
    cap = int(settings.get("ingest.max_document_bytes", DEFAULT_MAX_DOCUMENT_BYTES))
    skip = frozenset(os.path.abspath(os.fspath(p)) for p in exclude)
    for item in expand_inputs(list(inputs), exclude=skip):
        if isinstance(item, MissingInput):
            yield not_found(item)
        else:
            yield from read_path(item, cap=cap)


__all__ = ["InputFailure", "InputPath", "RawDocument", "iter_documents"]
