"""Store: the DuckDB file. Only this package (and set-based passes run by the build driver)
touches the database.

Entry points: `open_store(path)` (creates and migrates), `open_store(path, read_only=True)`,
`load_fts(con)`; `rows.prepare_batch(results)` (no DuckDB: workers run it) and
`writer.write_prepared(con, batches)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dossier.lazy import exports

if TYPE_CHECKING:
    from dossier.store.connection import SCHEMA_VERSION, load_fts, open_store

__all__ = ["SCHEMA_VERSION", "load_fts", "open_store"]

# Loaded on first use: workers import `dossier.store.rows` alone to build the rows, and
# loading DuckDB there would cost each of them 30 MiB for nothing.
__getattr__ = exports(__name__, "dossier.store.connection", __all__)
