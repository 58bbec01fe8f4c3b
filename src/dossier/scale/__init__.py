"""Scale: where batches run. In-process, a local process pool, or Dask distributed.

Entry point: `make_executor(settings, workers=N, dask=None|"local"|"tcp://host:port")`.
`workers` counts pipeline processes besides the driver, which only writes the store:
N >= 1 is a local pool of N processes, 0 runs the pipeline in the driver's own process
(SerialExecutor: for library use, tests, and machines where a second process does not pay).
"""

from __future__ import annotations

from dossier.scale.executor import BatchExecutor, SerialExecutor
from dossier.settings import Settings


def make_executor(
    settings: Settings,
    *,
    workers: int = 1,
    dask: str | None = None,
    site_lines: dict[str, frozenset[str]] | None = None,
) -> BatchExecutor:
    """Return the executor for a build: Dask when `dask` is given, else a pool of `workers`
    processes when workers >= 1, else (workers 0) the pipeline in this process."""
    if dask:
        from dossier.scale.dask import DaskExecutor

        return DaskExecutor(settings, address=dask, workers=max(1, workers), site_lines=site_lines)
    if workers >= 1:
        from dossier.scale.pool import PoolExecutor

        return PoolExecutor(settings, workers=workers, site_lines=site_lines)
    return SerialExecutor(settings, site_lines=site_lines)


__all__ = ["BatchExecutor", "SerialExecutor", "make_executor"]
