"""Reading canonical entities back from the store, and undoing a merge."""

from __future__ import annotations

from typing import Any

import duckdb

from dossier.errors import InputError
from dossier.nlp.gazetteer import norm
from dossier.resolve.incremental import recompute_components
from dossier.settings import Settings


def list_entities(con: duckdb.DuckDBPyConnection, query: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Canonical entities (not merged away), with aliases, roles, countries, merges and documents.

    `query` keeps entities whose name or any alias contains it (after `norm`).
    """
    params: list[Any] = []
    where = "e.merged_into IS NULL"
    if query:
        where += (" AND (e.entity_id IN (SELECT coalesce(m.merged_into, m.entity_id) FROM entity_aliases a "
                  "JOIN entities m ON m.entity_id = a.entity_id WHERE a.norm LIKE ?) OR e.entity_id = ?)")
        params += [f"%{norm(query)}%", query]
    rows = con.execute(
        f"SELECT e.entity_id, e.name, e.type, e.country, e.sector, e.roles, e.dictionary_id FROM entities e "
        f"WHERE {where} ORDER BY e.name, e.entity_id LIMIT ?",
        [*params, limit],
    ).fetchall()
    out = []
    for entity_id, name, etype, country, sector, roles, dict_id in rows:
        members = [r[0] for r in con.execute(
            "SELECT entity_id FROM entities WHERE entity_id = ? OR merged_into = ? ORDER BY entity_id",
            [entity_id, entity_id]).fetchall()]
        aliases = [r[0] for r in con.execute(
            "SELECT alias FROM entity_aliases WHERE entity_id IN (SELECT unnest(?)) GROUP BY alias "
            "ORDER BY count(*) DESC, alias", [members]).fetchall()]
        all_roles = sorted({r for row in con.execute(
            "SELECT roles FROM entities WHERE entity_id IN (SELECT unnest(?))", [members]).fetchall()
            for r in (row[0] or ())})
        countries = sorted({r[0] for r in con.execute(
            "SELECT DISTINCT country FROM doc_entities WHERE entity_id = ? AND country IS NOT NULL",
            [entity_id]).fetchall()})
        docs = con.execute(
            "SELECT DISTINCT d.doc_id, coalesce(doc.name, d.doc_id) FROM doc_entities d "
            "LEFT JOIN documents doc ON doc.doc_id = d.doc_id WHERE d.entity_id = ? ORDER BY 2", [entity_id]
        ).fetchall()
        merges = con.execute(
            "SELECT merge_id, from_id, reason, score FROM entity_merges WHERE into_id = ? AND NOT undone "
            "ORDER BY merge_id", [entity_id]).fetchall()
        out.append({
            "entity_id": entity_id, "name": name, "type": etype, "country": country, "countries": countries,
            "sector": sector, "dictionary_id": dict_id, "aliases": aliases, "roles": all_roles or list(roles or []),
            "documents": [n for _, n in docs],
            "merges": [{"merge_id": m, "from_id": f, "reason": r, "score": s} for m, f, r, s in merges],
        })
    return out


def unmerge(con: duckdb.DuckDBPyConnection, merge_id: str, settings: Settings) -> dict[str, Any]:
    """Undo one merge: it is kept as undone (a cannot-link) and the entities are recomputed."""
    row = con.execute(
        "SELECT from_id, into_id, undone FROM entity_merges WHERE merge_id = ?", [merge_id]
    ).fetchone()
    if row is None:
        raise InputError(f"{merge_id}: no such merge; list merges with `dossier entities --db FILE --query NAME`")
    from_id, into_id, undone = row
    if not undone:
        con.execute("UPDATE entity_merges SET undone = true WHERE merge_id = ?", [merge_id])
    # Only the component of the two entities can change: it is clustered again.
    recompute_components(con, settings, [from_id, into_id])
    return {"merge_id": merge_id, "from_id": from_id, "into_id": into_id, "already_undone": bool(undone)}
