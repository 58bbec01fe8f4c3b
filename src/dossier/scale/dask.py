"""Dask distributed: the same stage functions as tasks on a cluster (or a LocalCluster).

Each batch is one task. A worker that dies has its tasks rescheduled by Dask; a batch
that keeps killing workers (Dask's `allowed-failures`) comes back as failures with
stage "worker", which the store does not count as processed, so a resumed build retries
those documents.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

from dossier.errors import DossierError
from dossier.ingest.records import InputFailure, RawDocument
from dossier.scale.executor import in_flight_per_worker
from dossier.scale.worker import run_batch
from dossier.settings import Settings
from dossier.store.rows import PreparedBatch, prepare_batch

log = logging.getLogger(__name__)

LOCAL = "local"


class DaskExecutor:
    """Runs batches as Dask tasks on `address` ("tcp://host:port") or a new LocalCluster ("local")."""

    def __init__(
        self,
        settings: Settings,
        *,
        address: str,
        workers: int = 2,
        site_lines: dict[str, frozenset[str]] | None = None,
    ) -> None:
        import distributed

        # distributed's constructors are untyped; keep them behind Any.
        client_cls: Any = distributed.Client
        cluster_cls: Any = distributed.LocalCluster
        self.settings = settings
        self.site_lines = site_lines
        self._cluster: Any = None
        try:
            if address == LOCAL:
                # Loopback only: a local run never listens on a public interface.
                self._cluster = cluster_cls(
                    n_workers=workers, threads_per_worker=1, processes=True,
                    host="127.0.0.1", dashboard_address="127.0.0.1:0",
                )
                self.client: Any = client_cls(self._cluster)
            else:
                self.client = client_cls(address, timeout="20s")
        except (OSError, TimeoutError) as err:
            raise DossierError(
                f"cannot reach the Dask scheduler at {address} ({err}); start one with "
                "`dask scheduler` and workers with `dask worker ADDRESS`, or use --dask local"
            ) from None
        ahead = in_flight_per_worker(settings)
        known = len(self.client.scheduler_info().get("workers", {}))
        self.in_flight = max(2, ahead * (known or workers))

    @property
    def dashboard_link(self) -> str:
        """The Dask dashboard address for this run."""
        return str(self.client.dashboard_link)

    @property
    def cluster(self) -> Any:
        """The LocalCluster when one was started (tests kill its workers)."""
        return self._cluster

    def run(self, batches: Iterable[Sequence[RawDocument]]) -> Iterator[PreparedBatch]:
        """Yield each batch's results in submission order with a bounded number of tasks in flight."""
        # Passed with every task, not scattered: scattered data dies with the worker holding
        # it, and a killed worker must cost a retry, not the whole run.
        settings, site_lines = self.settings, self.site_lines
        pending: deque[tuple[list[RawDocument], Any]] = deque()
        for batch in batches:
            docs = list(batch)
            pending.append((docs, self.client.submit(run_batch, docs, settings, site_lines, pure=False)))
            while len(pending) >= self.in_flight:
                yield self._result(*pending.popleft())
        while pending:
            yield self._result(*pending.popleft())

    def _result(self, docs: list[RawDocument], future: Any) -> PreparedBatch:
        from concurrent.futures import CancelledError

        from distributed import KilledWorker

        try:
            return cast(PreparedBatch, future.result())
        except (KilledWorker, CancelledError) as err:
            log.warning("a batch of %d documents killed its workers: %s", len(docs), err)
            return prepare_batch([
                InputFailure(
                    d.source, d.name, d.doc_id, "worker", "WorkerDied",
                    f"{d.name}: the worker processing it died repeatedly; run the build again to retry it",
                )
                for d in docs
            ])

    def close(self) -> None:
        """Close the client and any LocalCluster started for this run."""
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()
