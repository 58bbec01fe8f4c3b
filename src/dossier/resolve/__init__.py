"""Resolve stage: cross-document canonical entities in the store.

Entry point: `canonicalize_pending(con, settings)`, called by the build driver after each
committed batch. It gives every `doc_entities` row without an `entity_id` a canonical
entity (new or existing), records merges with their reason, and fills `entity_id` in
`event_participants` and `quotes`, at a cost set by the batch, not by the store
(`resolve.incremental`; its tables are described in `resolve.tables`).
"""

from __future__ import annotations

from dossier.resolve.incremental import canonicalize_pending, rebuild

__all__ = ["canonicalize_pending", "rebuild"]
