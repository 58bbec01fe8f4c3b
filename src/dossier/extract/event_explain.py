"""Why an event was coded: the stored trigger, lexicon pattern, participants, date rule and evidence."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from dossier.errors import InputError


@dataclass(frozen=True, slots=True)
class EventExplanation:
    """Everything the store holds about one event, for `dossier explain`."""

    event_id: str
    doc_id: str
    document: str | None
    type: str
    mode: str | None
    date: str | None
    precision: str
    place: str | None
    negated: bool
    source: str | None
    trigger: str | None
    pattern: str | None
    date_rule: str | None
    participants: tuple[tuple[str, str, str | None], ...]  # (role, name, canonical entity id)
    evidence: tuple[tuple[int, int, str], ...]  # (raw start, raw end, verbatim text); first = main


def explain_event(con: duckdb.DuckDBPyConnection, event_id: str) -> EventExplanation:
    """Read one event and its participants and evidence from the store."""
    row = con.execute(
        """SELECT e.event_id, e.doc_id, d.name, e.type, e.mode, CAST(e.date AS VARCHAR), e.precision, e.place,
                  e.negated, e.source, e.trigger, e.pattern, e.date_rule
           FROM events e LEFT JOIN documents d ON d.doc_id = e.doc_id WHERE e.event_id = ?""",
        [event_id],
    ).fetchone()
    if row is None:
        near = con.execute(
            "SELECT event_id FROM events WHERE event_id LIKE ? ORDER BY event_id LIMIT 5", [f"%{event_id[-12:]}%"]
        ).fetchall()
        hint = f" (similar: {', '.join(r[0] for r in near)})" if near else ""
        raise InputError(
            f"{event_id}: no such event in the store{hint}; list events with `dossier export --table events`"
        )
    parts = con.execute(
        "SELECT role, name, entity_id FROM event_participants WHERE event_id = ? ORDER BY role, position",
        [event_id],
    ).fetchall()
    evidence = con.execute(
        """SELECT v.start, v."end", v.text FROM event_evidence ee JOIN evidence v ON v.evidence_id = ee.evidence_id
           WHERE ee.event_id = ? ORDER BY ee.position""",
        [event_id],
    ).fetchall()
    if not evidence:
        evidence = con.execute(
            """SELECT v.start, v."end", v.text FROM events e JOIN evidence v ON v.evidence_id = e.evidence_id
               WHERE e.event_id = ?""",
            [event_id],
        ).fetchall()
    return EventExplanation(
        event_id=row[0], doc_id=row[1], document=row[2], type=row[3], mode=row[4], date=row[5], precision=row[6],
        place=row[7], negated=bool(row[8]), source=row[9], trigger=row[10], pattern=row[11], date_rule=row[12],
        participants=tuple((str(r[0]), str(r[1]), r[2]) for r in parts),
        evidence=tuple((int(r[0]), int(r[1]), str(r[2])) for r in evidence),
    )
