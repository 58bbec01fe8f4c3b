"""The per-document pipeline (clean → nlp → extract) as one pure batch function.

`load_models` loads every model and data file once per process; `process_batch` turns a
batch of raw documents into extractions or failures. The same two calls run in one
process, in a process pool and on Dask workers; only the store writer touches DuckDB.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from dossier.clean import Cleaner, load_cleaner
from dossier.errors import DossierError, SkippedInput
from dossier.extract import Extractor, load_extractor
from dossier.extract.records import ArticleExtraction
from dossier.ingest.records import InputFailure, RawDocument
from dossier.nlp import Parser, load_parser
from dossier.settings import Settings

log = logging.getLogger(__name__)

StageResult = ArticleExtraction | InputFailure


@dataclass(slots=True)
class PipelineModels:
    """Everything a worker loads once: cleaner, spaCy pipeline, extractor lexicons."""

    settings: Settings
    cleaner: Cleaner
    parser: Parser
    extractor: Extractor


def load_models(
    settings: Settings, *, site_lines: dict[str, frozenset[str]] | None = None
) -> PipelineModels:
    """Load every model and data file the pipeline needs, once per process.

    `site_lines` is the learnt per-site boilerplate (site key -> normalised lines) read
    from the store by the driver before the build starts.
    """
    return PipelineModels(
        settings=settings,
        cleaner=load_cleaner(settings, site_lines=site_lines),
        parser=load_parser(settings),
        extractor=load_extractor(settings),
    )


def failure(doc: RawDocument, stage: str, err: Exception) -> InputFailure:
    """Turn an exception raised while processing `doc` into a recorded failure."""
    if isinstance(err, DossierError):
        error_class = type(err).__name__
        message = str(err)
    else:
        # An unexpected error is a bug, but one bad document must not stop the batch.
        log.exception("internal error in %s on %s", stage, doc.source)
        error_class = "InternalError"
        message = f"{doc.name}: internal error in the {stage} stage ({type(err).__name__}: {err}); please report it"
    if isinstance(err, SkippedInput):
        return InputFailure(doc.source, doc.name, doc.doc_id, stage, error_class, message, "skipped")
    return InputFailure(doc.source, doc.name, doc.doc_id, stage, error_class, message, "failed")


def process_batch(docs: Sequence[RawDocument], models: PipelineModels) -> list[StageResult]:
    """Return one extraction or failure per document, in input order."""
    results: list[StageResult | None] = [None] * len(docs)
    cleaned = []
    for i, doc in enumerate(docs):
        try:
            cleaned.append((i, models.cleaner.clean(doc)))
        except Exception as err:  # noqa: BLE001 - recorded per document, the batch goes on
            results[i] = failure(doc, "clean", err)
    parsed = []
    if cleaned:
        try:
            parsed = list(zip([i for i, _ in cleaned], models.parser.parse([a for _, a in cleaned]), strict=True))
        except Exception:  # noqa: BLE001 - fall back to one document at a time to isolate the bad one
            for i, article in cleaned:
                try:
                    parsed.append((i, models.parser.parse([article])[0]))
                except Exception as err:  # noqa: BLE001
                    results[i] = failure(docs[i], "nlp", err)
    for i, parsed_article in parsed:
        try:
            results[i] = models.extractor.extract(parsed_article)
        except Exception as err:  # noqa: BLE001
            results[i] = failure(docs[i], "extract", err)
    return [r for r in results if r is not None]
