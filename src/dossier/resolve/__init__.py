"""Resolve stage: cross-document canonical entities in the store.

Entry point: `canonicalize_pending(con, settings)`, called by the build driver after each
committed batch. It gives every `doc_entities` row without an `entity_id` a canonical
entity (new or existing), records merges with their reason, and fills `entity_id` in
`event_participants` and `quotes`.
"""

from __future__ import annotations

from dossier.resolve.canonical import canonicalize_pending

__all__ = ["canonicalize_pending"]
