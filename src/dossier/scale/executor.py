"""How batches of documents reach the pipeline: the executor protocol and the in-process one.

The build driver streams batches of `RawDocument` to an executor and gets back, per batch,
the pipeline's results in input order as the store's rows (`run_pipeline`). Executors
differ only in where that runs (this process, a process pool, Dask workers); they never
touch the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from dossier.ingest.records import RawDocument
from dossier.settings import Settings
from dossier.store.rows import PreparedBatch, prepare_batch

if TYPE_CHECKING:
    from dossier.pipeline import PipelineModels

# The pipeline (spaCy, trafilatura) is imported where it runs: a build driver with workers
# imports this module for the protocol alone, and those imports would delay its start by
# seconds during which no worker has a document yet.


def run_pipeline(batch: Sequence[RawDocument], models: PipelineModels) -> PreparedBatch:
    """Run the pipeline over `batch` and return its results as the store's rows.

    The rows are built here, where the pipeline ran, and not by the build driver: the
    driver is the one serial part of a parallel build (docs/scale.md).
    """
    from dossier.clean import site_lines
    from dossier.pipeline import process_batch

    return prepare_batch(process_batch(batch, models), site_lines=site_lines)


def in_flight_per_worker(settings: Settings) -> int:
    """Batches a pool or Dask executor keeps submitted per worker (`scale.in_flight_per_worker`)."""
    return max(1, int(settings.get("scale.in_flight_per_worker", 4)))


class BatchExecutor(Protocol):
    """Runs `process_batch` over a stream of batches."""

    def run(self, batches: Iterable[Sequence[RawDocument]]) -> Iterator[PreparedBatch]:
        """Yield each batch's results as prepared rows (`run_pipeline`), in input order within a batch.

        Batches may come back in any order; each result carries its doc_id.
        """
        ...

    def close(self) -> None:
        """Release workers and models."""
        ...


class SerialExecutor:
    """Runs the pipeline in this process; models load on the first batch."""

    def __init__(self, settings: Settings, *, site_lines: dict[str, frozenset[str]] | None = None) -> None:
        self.settings = settings
        self.site_lines = site_lines
        self._models: PipelineModels | None = None

    def run(self, batches: Iterable[Sequence[RawDocument]]) -> Iterator[PreparedBatch]:
        """Yield the results of each batch in turn."""
        from dossier.pipeline import load_models

        for batch in batches:
            if self._models is None:
                self._models = load_models(self.settings, site_lines=self.site_lines)
            yield run_pipeline(batch, self._models)

    def close(self) -> None:
        """Drop the loaded models."""
        self._models = None
