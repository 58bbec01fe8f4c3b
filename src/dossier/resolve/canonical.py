"""Cross-document canonicalisation. PROVISIONAL: one canonical entity per exact name and type."""

from __future__ import annotations

import hashlib

import duckdb

from dossier.settings import Settings


def canonicalize_pending(con: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """Assign canonical entities to unassigned document entities; return how many."""
    rows = con.execute(
        "SELECT doc_entity_id, name, type, country, sector, roles FROM doc_entities "
        "WHERE entity_id IS NULL ORDER BY doc_entity_id"
    ).fetchall()
    for doc_entity_id, name, etype, country, sector, roles in rows:
        entity_id = "ent_" + hashlib.sha1(f"{etype}|{name}".encode()).hexdigest()[:16]
        con.execute(
            "INSERT INTO entities (entity_id, name, type, country, sector, roles) "
            "SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM entities WHERE entity_id = ?)",
            [entity_id, name, etype, country, sector, roles or [], entity_id],
        )
        con.execute("UPDATE doc_entities SET entity_id = ? WHERE doc_entity_id = ?", [entity_id, doc_entity_id])
    con.execute(
        "UPDATE event_participants p SET entity_id = d.entity_id FROM doc_entities d "
        "WHERE p.entity_id IS NULL AND p.doc_entity_id = d.doc_entity_id"
    )
    return len(rows)
