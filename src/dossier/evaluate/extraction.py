"""Run the pipeline over input paths and yield one gold-schema record (or failure) per article.

This is what `dossier extract` prints and what `dossier eval --gold DIR PATH...` scores.
Inputs are read by `dossier.ingest.iter_documents` (files, folders, .gz, JSONL, WARC).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dossier.extract.output import to_gold_record
from dossier.extract.records import ArticleExtraction
from dossier.ingest import iter_documents
from dossier.ingest.records import InputFailure, RawDocument
from dossier.settings import Settings

if TYPE_CHECKING:
    from dossier.pipeline import PipelineModels

log = logging.getLogger(__name__)

Item = RawDocument | InputFailure
# Batch size when settings give none: one nlp.pipe call per this many documents.
DEFAULT_BATCH = 32


def iter_inputs(paths: Sequence[Path], settings: Settings) -> Iterator[Item]:
    """Yield every document (or failure) under `paths`, in order; folders are walked."""
    yield from iter_documents([str(p) for p in paths], settings=settings)


def _batches(items: Iterable[Item], size: int, failures: list[InputFailure]) -> Iterator[list[RawDocument]]:
    batch: list[RawDocument] = []
    for item in items:
        if isinstance(item, InputFailure):
            failures.append(item)
            continue
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def extract_paths(paths: Sequence[Path], settings: Settings) -> Iterator[dict[str, Any] | InputFailure]:
    """Yield one gold-schema record (with `body`) per article, or the failure that stopped it.

    Failures never stop the run; ingest failures come out as soon as they are met.
    """
    # Imported here, not at the top: every `dossier` command imports this module, and only
    # this function needs spaCy.
    from dossier.pipeline import load_models, process_batch

    size = int(settings.get("build.batch_size", DEFAULT_BATCH)) or DEFAULT_BATCH
    pending: list[InputFailure] = []
    models: PipelineModels | None = None
    for batch in _batches(iter_inputs(paths, settings), size, pending):
        yield from pending
        pending.clear()
        models = models or load_models(settings)
        for result in process_batch(batch, models):
            if isinstance(result, ArticleExtraction):
                yield to_gold_record(result)
            else:
                yield result
    yield from pending
