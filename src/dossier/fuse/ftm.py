"""Export canonical entities and fused events as FollowTheMoney entities (Aleph/OpenSanctions).

Mapping:
- PERSON -> Person (roles as `position`); ORG -> Organization, or PublicBody for the
  government, military and IGO sectors; GPE -> PublicBody (a state acting: "Russia supplied");
  EVENT -> Event. LOC entities are places, not parties, and are written only as event locations.
- Each fused event -> Event (`organizer` = actors, `involved` = actors and targets, `date` at
  its precision, `summary` = first evidence sentence, `publisher` = outlets, `sourceUrl` =
  article URLs).
- Each actor -> target pair of a fused event -> UnknownLink (`role` = "TYPE/mode",
  negated events prefixed "not ").
Every entity is built with followthemoney's model and validated by its schema before it is
written; ids are `dossier-` + the store's stable ids ("_" and ":" become "-").
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
from followthemoney import model
from followthemoney.exc import InvalidData

from dossier.errors import StoreError

log = logging.getLogger(__name__)

_PUBLIC_SECTORS = {"government", "gov", "military", "mil", "igo", "GOV", "MIL", "IGO"}


def _schema_of(etype: str, sector: str | None) -> str | None:
    if etype == "PERSON":
        return "Person"
    if etype == "GPE":
        return "PublicBody"
    if etype == "ORG":
        return "PublicBody" if (sector or "") in _PUBLIC_SECTORS else "Organization"
    if etype == "EVENT":
        return "Event"
    return None


def _fid(store_id: str) -> str:
    # FtM entity ids allow letters, digits, "-" and "."; other characters drop references.
    return "dossier-" + "".join(c if c.isalnum() or c in ".-" else "-" for c in store_id)


def _date(date: Any, precision: str) -> str | None:
    if date is None:
        return None
    iso: str = date.isoformat()
    return {"day": iso, "month": iso[:7], "year": iso[:4]}.get(precision)


def ftm_entities(con: duckdb.DuckDBPyConnection) -> Iterator[dict[str, Any]]:
    """Yield validated FtM entity dicts for canonical entities, fused events and their links."""
    aliases: dict[str, set[str]] = defaultdict(set)
    for entity_id, alias in con.execute("SELECT entity_id, alias FROM entity_aliases").fetchall():
        aliases[entity_id].add(alias)
    used = {r[0] for r in con.execute("SELECT DISTINCT entity_id FROM fused_event_participants "
                                      "WHERE entity_id IS NOT NULL").fetchall()}
    exported: dict[str, str] = {}
    for entity_id, name, etype, country, sector, roles in con.execute(
        "SELECT entity_id, name, type, country, sector, roles FROM entities WHERE merged_into IS NULL "
        "ORDER BY entity_id"
    ).fetchall():
        schema = _schema_of(etype, sector)
        if schema is None:
            continue
        proxy = model.make_entity(schema)
        proxy.id = _fid(entity_id)
        proxy.add("name", name)
        for alias in sorted(aliases.get(entity_id, set()) - {name}):
            proxy.add("alias", alias)
        if country:
            proxy.add("country", country, quiet=True)
        if schema == "Person":
            for role in roles or []:
                proxy.add("position", role)
        elif roles:
            proxy.add("description", "; ".join(roles))
        if sector and schema != "Event":
            proxy.add("sector", sector, quiet=True)
        proxy.add("keywords", "dossier" if entity_id in used else "dossier-mention")
        exported[entity_id] = proxy.id
        yield _checked(proxy)
    urls: dict[str, str] = dict(con.execute("SELECT name, url FROM documents WHERE url IS NOT NULL").fetchall())
    parts: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"actor": [], "target": []})
    for fid, role, entity_id in con.execute(
        "SELECT fused_event_id, role, entity_id FROM fused_event_participants WHERE entity_id IS NOT NULL "
        "ORDER BY fused_event_id, role, position"
    ).fetchall():
        if entity_id in exported:
            parts[fid][role].append(exported[entity_id])
    for row in con.execute(
        "SELECT fused_event_id, type, mode, date, precision, place, negated, actors, targets, outlets, documents, "
        "evidence FROM fused_events ORDER BY fused_event_id"
    ).fetchall():
        fid, etype, mode, date, precision, place, negated, actors, targets, outlets, documents, evidence = row
        label = f"{'not ' if negated else ''}{etype}{'/' + mode if mode else ''}"
        ev = model.make_entity("Event")
        ev.id = _fid(fid)
        ev.add("name", f"{label}: {', '.join(actors) or '?'}" + (f" → {', '.join(targets)}" if targets else ""))
        when = _date(date, precision)
        if when:
            ev.add("date", when)
        if place:
            ev.add("location", place)
        if evidence:
            ev.add("summary", evidence[0])
        ev.add("keywords", [etype, label])
        ev.add("publisher", outlets)
        ev.add("sourceUrl", [urls[d] for d in documents if d in urls], quiet=True)
        ev.add("organizer", parts[fid]["actor"])
        ev.add("involved", parts[fid]["actor"] + parts[fid]["target"])
        yield _checked(ev)
        for a in parts[fid]["actor"]:
            for t in parts[fid]["target"]:
                if a == t:
                    continue
                link = model.make_entity("UnknownLink")
                link.make_id("dossier-link", fid, a, t)
                link.add("subject", a)
                link.add("object", t)
                link.add("role", label)
                if when:
                    link.add("date", when)
                if evidence:
                    link.add("summary", evidence[0])
                link.add("publisher", outlets)
                link.add("recordId", fid)  # the fused event that documents the link
                yield _checked(link)


def _checked(proxy: Any) -> dict[str, Any]:
    data: dict[str, Any] = proxy.to_dict()
    try:
        proxy.schema.validate(data)
    except InvalidData as err:
        raise StoreError(f"followthemoney rejected {data['schema']} {data['id']}: {err}") from None
    return data


def export_ftm(con: duckdb.DuckDBPyConnection, out: Path) -> dict[str, int]:
    """Write FtM entities as JSON lines to `out`; return counts per schema."""
    counts: dict[str, int] = defaultdict(int)
    try:
        with out.open("w", encoding="utf-8") as fh:
            for entity in ftm_entities(con):
                fh.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
                counts[entity["schema"]] += 1
    except OSError as err:
        raise StoreError(f"{out}: cannot write the export ({err.strerror}); check the folder exists") from None
    return dict(counts)
