"""Store: the DuckDB file. Only this package (and set-based passes run by the build driver)
touches the database.

Entry points: `open_store(path)` (creates and migrates), `open_store(path, read_only=True)`,
`load_fts(con)`.
"""

from __future__ import annotations

from dossier.store.connection import SCHEMA_VERSION, load_fts, open_store

__all__ = ["SCHEMA_VERSION", "load_fts", "open_store"]
