"""Per-article output in the gold schema (`shared/gold/SCHEMA.md`) plus `body`."""

from __future__ import annotations

from typing import Any

from dossier.extract.records import ArticleExtraction, Participant


def _names(parts: tuple[Participant, ...]) -> list[str]:
    return [p.name for p in parts]


def to_gold_record(ex: ArticleExtraction) -> dict[str, Any]:
    """Return the article as one JSON-ready object in the gold schema."""
    art = ex.article
    return {
        "article": art.name,
        "title": art.title,
        "outlet": art.outlet,
        "published": {
            "date": art.published.date,
            "precision": art.published.precision,
            "basis": art.published.basis,
        },
        "language": art.language,
        "url": art.url,
        "authors": list(art.authors),
        "body": art.body,
        "boilerplate": list(art.boilerplate),
        "entities": [
            {
                "name": e.name,
                "type": e.type,
                "country": e.country,
                "sector": e.sector,
                "aliases": list(e.aliases),
                "roles": list(e.roles),
            }
            for e in ex.entities
        ],
        "events": [
            {
                "type": ev.type,
                "mode": ev.mode,
                "actors": _names(ev.actors),
                "targets": _names(ev.targets),
                "date": ev.date,
                "precision": ev.precision,
                "place": ev.place,
                "negated": ev.negated,
                "source": ev.source,
                "evidence": ev.evidence[0].text if ev.evidence else None,
                "all_evidence": [e.text for e in ev.evidence],
            }
            for ev in ex.events
        ],
        "figures": [
            {
                "value": int(f.value) if float(f.value).is_integer() else f.value,
                "qualifier": f.qualifier,
                "unit": f.unit,
                "category": f.category,
                "subject": f.subject,
                "source": f.source,
                "as_of": f.as_of,
                "evidence": f.evidence.text,
            }
            for f in ex.figures
        ],
        "quotes": [
            {
                "speaker": q.speaker.name,
                "target": q.target.name if q.target else None,
                "stance": q.stance,
                "evidence": q.text,
                "direct": q.direct,
            }
            for q in ex.quotes
        ],
    }
