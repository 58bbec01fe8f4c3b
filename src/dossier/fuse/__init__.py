"""Fuse stage: duplicates, fused events, figure series, contradictions, dyads, timelines.

Entry point: `refresh(con, settings)`, called by the build driver at the end of a build.
Tables and views it maintains are documented in docs/views.md.
"""

from __future__ import annotations

from dossier.fuse.refresh import FUSE_TABLES, RefreshReport, refresh

__all__ = ["FUSE_TABLES", "RefreshReport", "refresh"]
