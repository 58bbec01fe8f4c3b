"""Fuse stage: duplicates, fused events, figure series, contradictions, dyads, timelines.

Entry point: `refresh(con, settings)`, called by the build driver at the end of a build.
"""

from __future__ import annotations

from dossier.fuse.refresh import refresh

__all__ = ["refresh"]
