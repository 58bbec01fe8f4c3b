"""Recompute the cross-source tables. PROVISIONAL: nothing to fuse until the stage is built."""

from __future__ import annotations

import duckdb

from dossier.settings import Settings


def refresh(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Bring the fused tables and views up to date with the stored documents."""
    return None
