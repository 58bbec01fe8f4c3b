"""Cross-source commands: events, figures, contradictions, dyad, timeline, sql, fuse."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from dossier.commands.common import console, user_errors
from dossier.errors import InputError


class Format(StrEnum):
    """Output formats of the listing commands."""

    jsonl = "jsonl"
    table = "table"


DbOpt = Annotated[Path, typer.Option("--db", "-d", help="DuckDB store written by `dossier build`.")]
FmtOpt = Annotated[Format, typer.Option("--format", "-f", help="jsonl (one JSON object per line) or table.")]
ActorOpt = Annotated[str | None, typer.Option("--actor", "-a", help="Only events with this participant.")]
SinceOpt = Annotated[str | None, typer.Option("--since", help="Only events on or after: YYYY, YYYY-MM or YYYY-MM-DD.")]


def _json(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def _print_jsonl(rows: Iterable[dict[str, Any]]) -> None:
    out = console.file
    for row in rows:
        out.write(json.dumps(row, default=_json, ensure_ascii=False) + "\n")


def _date_text(date: dt.date | None, precision: str) -> str:
    if date is None:
        return "unknown"
    iso = date.isoformat()
    return {"month": iso[:7], "year": iso[:4]}.get(precision, iso) + f" ({precision})"


def _open(db: Path) -> Any:
    from dossier.fuse.query import require_fused
    from dossier.store import open_store

    con = open_store(db, read_only=True)
    require_fused(con, db)
    return con


def _event_json(e: dict[str, Any]) -> dict[str, Any]:
    keys = ("fused_event_id", "type", "mode", "actors", "targets", "date", "precision", "place", "negated",
            "sources", "documents", "outlets", "evidence", "n_mentions", "n_documents", "n_sources",
            "first_reported", "actor_ids", "target_ids", "evidence_ids", "doc_ids")
    return {k: e[k] for k in keys}


def _parse_since(since: str | None) -> dt.date | None:
    if since is None:
        return None
    formats = {10: "%Y-%m-%d", 7: "%Y-%m", 4: "%Y"}
    try:
        return dt.datetime.strptime(since, formats[len(since)]).date()
    except (KeyError, ValueError):
        raise InputError(f"--since {since!r}: not a date; use YYYY, YYYY-MM or YYYY-MM-DD") from None


def register(app: typer.Typer) -> None:
    """Add the cross-source commands to the CLI."""

    @app.command("fuse")
    def fuse_cli(
        db: DbOpt,
        force: Annotated[
            bool, typer.Option("--force", help="Recompute every table from scratch (not only what changed).")
        ] = False,
    ) -> None:
        """Update the cross-source tables (duplicates, fused events, series, contradictions, dyads).

        Only what documents added since the last refresh touch is recomputed; --force recomputes all.
        """
        with user_errors():
            from dossier.fuse import refresh
            from dossier.settings import load_settings
            from dossier.store import open_store

            if not db.exists():
                raise InputError(f"{db}: no such store; build one with `dossier build INPUT --db {db}`")
            con = open_store(db)
            try:
                report = refresh(con, load_settings(), force=force)
            finally:
                con.close()
            if report.skipped:
                console.print(f"nothing changed since the last refresh ({report.seconds:.2f} s)")
            else:
                console.print(
                    f"{report.documents} documents ({report.copies} copies), {report.events} events → "
                    f"{report.fused_events} fused, {report.series} figure series, "
                    f"{report.contradictions} contradictions, {report.dyad_events} dyad events "
                    f"in {report.seconds:.2f} s ({report.mode} refresh, {report.new_documents} new documents)"
                )

    @app.command("events")
    def events_cli(db: DbOpt, fmt: FmtOpt = Format.table, actor: ActorOpt = None, since: SinceOpt = None) -> None:
        """Print fused events (same real-world event across articles) with outlets and evidence."""
        with user_errors():
            from dossier.fuse import query

            con = _open(db)
            rows = query.fused_events(con, actor=actor, since=_parse_since(since))
            if fmt is Format.jsonl:
                _print_jsonl(_event_json(r) for r in rows)
                return
            table = Table("date", "type", "actors → targets", "outlets", "docs", "id", show_lines=False)
            for r in rows:
                neg = "NOT " if r["negated"] else ""
                table.add_row(
                    _date_text(r["date"], r["precision"]),
                    f"{neg}{r['type']}" + (f"/{r['mode']}" if r["mode"] else ""),
                    f"{', '.join(r['actors'])} → {', '.join(r['targets'])}",
                    ", ".join(r["outlets"]), f"{r['n_documents']} ({r['n_sources']} src)", r["fused_event_id"],
                )
            console.print(table)

    @app.command("timeline")
    def timeline_cli(db: DbOpt, actor: ActorOpt = None, since: SinceOpt = None, fmt: FmtOpt = Format.table) -> None:
        """List fused events in date order with precision, outlets and one evidence line each."""
        with user_errors():
            from dossier.fuse import query

            con = _open(db)
            rows = query.fused_events(con, actor=actor, since=_parse_since(since))
            if fmt is Format.jsonl:
                _print_jsonl(
                    {"date": r["date"], "precision": r["precision"], "type": r["type"], "mode": r["mode"],
                     "negated": r["negated"], "actors": r["actors"], "targets": r["targets"],
                     "outlets": r["outlets"], "evidence": r["evidence"][0] if r["evidence"] else None,
                     "fused_event_id": r["fused_event_id"]}
                    for r in rows
                )
                return
            for r in rows:
                neg = "NOT " if r["negated"] else ""
                what = f"{neg}{r['type']}" + (f"/{r['mode']}" if r["mode"] else "")
                console.print(
                    f"[bold]{_date_text(r['date'], r['precision'])}[/]  {what}  "
                    f"{', '.join(r['actors'])} → {', '.join(r['targets'])}  [dim]({', '.join(r['outlets'])})[/]",
                    highlight=False, markup=True,
                )
                if r["evidence"]:
                    console.print(f"    “{r['evidence'][0]}”", highlight=False, markup=False)

    @app.command("figures")
    def figures_cli(
        db: DbOpt,
        series: Annotated[bool, typer.Option("--series", help="Group figures into series over as_of.")] = False,
        fmt: FmtOpt = Format.table,
    ) -> None:
        """Print figures across articles, or (--series) series of one measure over as_of."""
        with user_errors():
            from dossier.fuse import query

            con = _open(db)
            if series:
                rows = query.figure_series(con)
                if fmt is Format.jsonl:
                    _print_jsonl(rows)
                    return
                for s in rows:
                    flag = "  [bold red]GOES BACKWARDS[/]" if s["goes_backwards"] else ""
                    console.print(
                        f"[bold]{s['category']}[/] ({s['unit'] or '-'}): {s['subject'] or ''} — {s['trend']}, "
                        f"{s['n_documents']} documents, {s['n_sources']} sources{flag}  [dim]{s['series_id']}[/]",
                        highlight=False,
                    )
                    for m in s["members"]:
                        back = "  ↓ backwards" if m["backwards"] else ""
                        console.print(
                            f"    {_date_text(m['as_of'], m['as_of_precision']):<20} "
                            f"{(m['qualifier'] or '') + ' ' if m['qualifier'] else ''}{m['value']:g}  "
                            f"{m['outlet'] or '?'} ({m['document']}){back}",
                            highlight=False, markup=False,
                        )
                return
            rows = query.figures(con)
            if fmt is Format.jsonl:
                _print_jsonl(rows)
                return
            table = Table("category", "value", "unit", "subject", "as of", "outlet", "series")
            for r in rows:
                table.add_row(r["category"], f"{(r['qualifier'] or '')} {r['value']:g}".strip(), r["unit"] or "",
                              r["subject"] or "", _date_text(r["as_of"], r["as_of_precision"]), r["outlet"] or "",
                              r["series_id"] or "")
            console.print(table)

    @app.command("contradictions")
    def contradictions_cli(db: DbOpt, fmt: FmtOpt = Format.table) -> None:
        """List where sources disagree, with both sides' evidence and outlets."""
        with user_errors():
            from dossier.fuse import query

            con = _open(db)
            rows = query.contradictions(con)
            if fmt is Format.jsonl:
                _print_jsonl(rows)
                return
            for r in rows:
                console.print(f"[bold]{r['kind']}[/]: {r['description']}  [dim]{r['contradiction_id']}[/]",
                              highlight=False)
                for side in ("a", "b"):
                    console.print(f"  {side.upper()}: {r[f'{side}_value']} — {', '.join(r[f'{side}_outlets'])} "
                                  f"({', '.join(r[f'{side}_documents'])})", highlight=False, markup=False)
                    for text in r[f"{side}_evidence"][:3]:
                        console.print(f"      “{text}”", highlight=False, markup=False)

    @app.command("dyad")
    def dyad_cli(
        a: Annotated[str, typer.Argument(help="Actor name or ISO3 country code (e.g. RUS).")],
        b: Annotated[str, typer.Argument(help="Target name or ISO3 country code (e.g. MMR).")],
        db: DbOpt,
        out: Annotated[Path | None, typer.Option("--out", "-o", help="Write a chart (.png or .svg).")] = None,
        fmt: FmtOpt = Format.table,
    ) -> None:
        """Monthly events by PLOVER type and cooperation-conflict score for the ordered pair A → B."""
        with user_errors():
            from dossier.fuse import query

            con = _open(db)
            data = query.dyad_monthly(con, a, b)
            if out is not None:
                from dossier.fuse.chart import draw_dyad

                draw_dyad(data, out)
            if fmt is Format.jsonl:
                _print_jsonl(data["months"])
            else:
                table = Table("month", *data["types"], "events", "score",
                              title=f"{data['actor']} → {data['target']} ({data['level']})")
                for m in data["months"]:
                    table.add_row(m["month"].strftime("%Y-%m"), *[str(m["counts"].get(t, 0)) for t in data["types"]],
                                  str(m["n_events"]), f"{m['score']:+.1f}")
                console.print(table)
                if not data["months"]:
                    console.print("no dated events for this pair")
            if out is not None:
                console.print(f"chart written to {out}")

    @app.command("sql")
    def sql_cli(
        query_text: Annotated[str, typer.Argument(metavar="QUERY", help="One SELECT or WITH statement.")],
        db: DbOpt,
        fmt: FmtOpt = Format.table,
    ) -> None:
        """Run one read-only SQL query on the store (tables and views: docs/views.md)."""
        with user_errors():
            from dossier.fuse.query import check_read_only_sql, run_sql
            from dossier.store import open_store

            check_read_only_sql(query_text)  # refuse before even opening the store
            con = open_store(db, read_only=True)
            cols, rows = run_sql(con, query_text)
            if fmt is Format.jsonl:
                _print_jsonl(dict(zip(cols, r, strict=True)) for r in rows)
                return
            table = Table(*cols)
            for r in rows:
                table.add_row(*["" if v is None else str(v) for v in r])
            console.print(table)
