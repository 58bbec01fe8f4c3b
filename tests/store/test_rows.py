"""Prepared rows: what workers return, typed as the store's columns, tagged by result."""

from __future__ import annotations

import subprocess
import sys

import pyarrow as pa
from test_writer import RAW, _menu_and_id_lines, extraction

from dossier.ingest.records import InputFailure
from dossier.store.rows import DRIVER_COLUMNS, ITEM, TABLES, PreparedDoc, prepare_batch


def test_rows_tag_each_row_with_its_result_and_pass_failures_through() -> None:
    a = extraction()
    b = extraction(RAW + "Later.\n", source="/corpus/later.txt", title="Later story")
    bad = InputFailure("/corpus/x.txt", "x.txt", "ffff", "clean", "EmptyInput", "x.txt: no text")
    batch = prepare_batch([a, bad, b], site_lines=_menu_and_id_lines)
    assert batch.items[1] is bad
    assert batch.items[0] == PreparedDoc(a.article.doc_id, "/corpus/flood.txt", "flood.txt", 2, 1, 1, 1)
    for name, table in batch.tables.items():
        # The store's column types, in its order, and the index of the result last.
        assert table.schema == pa.schema([*(pa.field(c, t) for c, t in TABLES[name].items()), (ITEM, pa.int64())])
        assert set(table[ITEM].to_pylist()) == {0, 2}, name
    docs = batch.tables["documents"].to_pylist()
    assert [d["doc_id"] for d in docs] == [a.article.doc_id, b.article.doc_id]
    assert all(d[c] is None for d in docs for c in DRIVER_COLUMNS)  # the driver fills these
    assert docs[0]["raw"] == RAW and docs[0]["body"] == a.article.body
    assert batch.site_lines is not None and set(batch.site_lines[ITEM].to_pylist()) == {0, 2}


def test_rows_without_extractions_have_no_tables() -> None:
    bad = InputFailure("/corpus/x.txt", "x.txt", None, "ingest", "EmptyInput", "x.txt: no text")
    batch = prepare_batch([bad])
    assert batch.items == [bad] and batch.tables == {} and batch.site_lines is None


def test_rows_and_workers_do_not_load_duckdb() -> None:
    # Each worker would carry DuckDB's ~30 MiB for nothing: only the driver writes.
    code = "import sys, dossier.scale.worker, dossier.store.rows; print('duckdb' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
