"""The build driver on real files into a real DuckDB store."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from build_helpers import ModelsExecutor, article, write_corpus

from dossier.build import BuildReport, ProgressUpdate, StrictBuildError, build
from dossier.errors import StoreError
from dossier.settings import Settings
from dossier.store import open_store


def table_counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "AND table_schema = 'main' AND table_catalog = current_database() "
            "AND table_name NOT IN ('builds', 'store_state', 'fuse_state') ORDER BY 1").fetchall()]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}  # type: ignore[index]
    finally:
        con.close()


def test_build_stores_documents_and_records_failures(tmp_path: Path, settings: Settings,
                                                     executor: ModelsExecutor) -> None:
    corpus = write_corpus(tmp_path / "corpus", n_text=3)
    db = tmp_path / "store.duckdb"
    seen: list[ProgressUpdate] = []
    report = build([corpus, tmp_path / "nowhere.txt"], db=db, settings=settings, executor=executor,
                   progress=seen.append)
    # 3 stories + 1 page + 1 JSONL line read; empty, JPEG, bad JSONL line, missing path fail.
    assert executor.documents == 5
    assert report.ok + report.skipped + report.failed == 9
    assert report.failed >= 4
    assert report.ok >= 4
    assert report.entities > 0
    con = duckdb.connect(str(db), read_only=True)
    by_class = dict(con.execute("SELECT error_class, count(*) FROM failures GROUP BY 1").fetchall())
    assert {"EmptyInput": 1, "BinaryInput": 1, "InvalidJSONL": 1, "NotFound": 1}.items() <= by_class.items()
    assert con.execute("SELECT count(*), count(DISTINCT doc_id) FROM documents").fetchone() == (9, 9)
    assert con.execute("SELECT count(*) FROM documents WHERE status = 'ok'").fetchone() == (report.ok,)
    # The failed JSONL line names its line; the good one kept its metadata.
    assert con.execute("SELECT message FROM failures WHERE error_class = 'InvalidJSONL'").fetchone() == (
        f"{corpus}/wire.jsonl: line 2: not valid JSON (column 10: Unterminated string starting at); "
        "fix or remove the line",)
    assert con.execute("SELECT name, encoding, byte_size > 0 FROM documents WHERE name = 'wire-7'").fetchone() == (
        "wire-7", "utf-8", True)
    con.close()
    assert seen and seen[-1].done == 9 and seen[-1].failures == report.failed + report.skipped
    assert "documents: " in report.summary() and "docs/s" in report.summary()
    # The phases in the order they ran, each timed; together within the build's time.
    assert [name for name, _ in report.steps] == [
        "documents", "resolving entities", "indexing for search", "fusing across sources", "indexing for the server"]
    assert all(secs >= 0 for _, secs in report.steps) and sum(s for _, s in report.steps) <= report.seconds
    assert f"(documents {report.steps[0][1]:.1f} s, resolving entities" in report.summary()
    assert report.to_dict()["steps"] == dict(report.steps)


def test_build_again_does_nothing_and_says_so(tmp_path: Path, settings: Settings, executor: ModelsExecutor) -> None:
    corpus = write_corpus(tmp_path / "corpus", n_text=2)
    db = tmp_path / "store.duckdb"
    first = build([corpus], db=db, settings=settings, executor=executor)
    before = table_counts(db)
    sent = executor.documents
    again = build([corpus], db=db, settings=settings, executor=executor)
    assert executor.documents == sent  # nothing reached the pipeline
    assert again.nothing_to_do and again.processed == 0
    # Nothing new: the fusion and the indexes did not run.
    assert [name for name, _ in again.steps] == ["documents", "resolving entities"]
    assert again.unchanged == first.processed
    assert again.summary().startswith(f"nothing to do: all {first.processed} documents are already in {db} (")
    assert table_counts(db) == before


def test_build_changed_file_is_a_new_version(tmp_path: Path, settings: Settings, executor: ModelsExecutor) -> None:
    corpus = write_corpus(tmp_path / "corpus", n_text=2, with_bad=False)
    db = tmp_path / "store.duckdb"
    build([corpus], db=db, settings=settings, executor=executor)
    story = corpus / "story_001.txt"
    story.write_text(article(1).replace("Maria Okafor", "Maria Okafor-Bello"), encoding="utf-8")
    report = build([corpus], db=db, settings=settings, executor=executor)
    assert (report.processed, report.new_versions, report.unchanged) == (1, 1, 3)
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT version, supersedes IS NOT NULL FROM documents WHERE source = ? ORDER BY version",
                       [str(story)]).fetchall()
    assert rows == [(1, False), (2, True)]
    assert con.execute("SELECT count(*) FROM current_documents WHERE source = ?", [str(story)]).fetchone() == (1,)
    con.close()


def test_build_strict_raises_after_storing_everything(tmp_path: Path, settings: Settings,
                                                      executor: ModelsExecutor) -> None:
    corpus = write_corpus(tmp_path / "corpus", n_text=1)
    db = tmp_path / "store.duckdb"
    with pytest.raises(StrictBuildError) as info:
        build([corpus], db=db, settings=settings, executor=executor, strict=True)
    report = info.value.report
    assert report.failed >= 3
    assert str(info.value).endswith(f"(--strict); see them with `dossier status --db {db}`")
    assert table_counts(db)["documents"] == report.processed


def test_build_without_inputs_creates_the_store(tmp_path: Path, settings: Settings) -> None:
    db = tmp_path / "new.duckdb"
    report = build([], db=db, settings=settings)
    assert report.summary() == f"store {db} is ready (schema up to date, 0 documents)"
    assert "documents" in table_counts(db)


def test_build_ignores_its_own_store_inside_an_input_folder(tmp_path: Path, settings: Settings,
                                                            executor: ModelsExecutor) -> None:
    corpus = write_corpus(tmp_path / "corpus", n_text=1, with_bad=False)
    db = corpus / "store.duckdb"
    build([corpus], db=db, settings=settings, executor=executor)
    report = build([corpus], db=db, settings=settings, executor=executor)
    assert report.nothing_to_do


def test_build_passes_learnt_site_lines_to_the_executor_factory(tmp_path: Path, settings: Settings,
                                                                executor: ModelsExecutor) -> None:
    db = tmp_path / "store.duckdb"
    con = open_store(db)
    con.execute("INSERT INTO site_lines VALUES ('harbourtimes', 'share this article', 5, [1, 2, 3, 4]), "
                "('harbourtimes', 'rare line', 1, [1]), ('harbourtimes', 'one story reposted', 5, [7])")
    con.close()
    got: list[dict[str, frozenset[str]]] = []

    def factory(settings: Settings, *, site_lines: dict[str, frozenset[str]]) -> ModelsExecutor:
        got.append(site_lines)
        return executor

    corpus = write_corpus(tmp_path / "corpus", n_text=1, with_bad=False)
    report = build([corpus], db=db, settings=settings, executor=factory)
    assert got == [{"harbourtimes": frozenset({"share this article"})}]
    assert isinstance(report, BuildReport) and report.processed == 3


def test_build_batches_follow_the_batch_size(tmp_path: Path, settings: Settings, executor: ModelsExecutor) -> None:
    corpus = write_corpus(tmp_path / "corpus", n_text=4, with_bad=False)
    small = Settings(values={**settings.values, "build": {"batch_size": 2}}, extra_files=settings.extra_files)
    report = build([corpus], db=tmp_path / "s.duckdb", settings=small, executor=executor)
    assert report.processed == 6
    assert executor.batches == 3


def _build_counting_transactions(tmp_path: Path, settings: Settings, executor: ModelsExecutor, name: str,
                                 **build_values: int) -> tuple[Path, list[int], dict[str, int]]:
    corpus = tmp_path / "corpus"
    if not corpus.exists():
        corpus.mkdir()
        for i in range(7):
            (corpus / f"story_{i:02d}.txt").write_text(article(i), encoding="utf-8")
    values = {**settings.values, "build": {**settings.values.get("build", {}), "batch_size": 1, **build_values}}
    db = tmp_path / f"{name}.duckdb"
    seen: list[int] = []
    build([corpus], db=db, settings=Settings(values=values, extra_files=settings.extra_files), executor=executor,
          progress=lambda p: seen.append(p.done))
    return db, seen, table_counts(db)


def test_build_groups_batches_into_transactions_with_the_same_rows(tmp_path: Path, settings: Settings,
                                                                   executor: ModelsExecutor) -> None:
    one_db, one, one_counts = _build_counting_transactions(tmp_path, settings, executor, "one", write_batches=1,
                                                           resolve_every_docs=1, write_seconds=60)
    grouped_db, grouped, grouped_counts = _build_counting_transactions(
        tmp_path, settings, executor, "grouped", write_batches=3, resolve_every_docs=1000, write_seconds=60)
    assert one == [1, 2, 3, 4, 5, 6, 7]  # progress after each committed transaction
    assert grouped == [3, 6, 7]  # 7 one-document batches in transactions of 3
    assert grouped_counts == one_counts
    for db in (one_db, grouped_db):
        con = duckdb.connect(str(db), read_only=True)
        # Resolution deferred to the end still resolves every row.
        assert con.execute("SELECT count(*) FROM doc_entities WHERE entity_id IS NULL").fetchone() == (0,)
        con.close()


def test_build_streams_under_the_stream_cap_and_finishes_under_the_fusion_cap(
    tmp_path: Path, settings: Settings, executor: ModelsExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dossier.build

    opened: list[tuple[str, str]] = []  # (setting named, DuckDB's memory_limit on that connection)

    def spy(path: Path, **kwargs: object) -> duckdb.DuckDBPyConnection:
        con = open_store(path, **kwargs)  # type: ignore[arg-type]
        row = con.execute("SELECT current_setting('memory_limit')").fetchone()
        opened.append((str(kwargs.get("limit_setting")), str(row[0] if row else "")))
        return con

    monkeypatch.setattr(dossier.build, "open_store", spy)
    values = {**settings.values,
              "store": {"memory_limit": "300MB", "stream_memory_limit": "150MB", "fusion_memory_limit": "100MB"}}
    corpus = write_corpus(tmp_path / "corpus", n_text=2)
    capped = Settings(values=values, extra_files=settings.extra_files)
    report = build([corpus], db=tmp_path / "s.duckdb", settings=capped, executor=executor)
    assert report.ok >= 2
    # Streaming, then every end-of-build step on one connection: resolution, search index,
    # fusion and the server's index. DuckDB reports the caps in its own units (MiB of the
    # bytes asked for).
    assert opened == [("store.stream_memory_limit", "143.0 MiB"), ("store.fusion_memory_limit", "95.3 MiB")]
    assert [what for what, _ in report.steps] == [
        "documents", "resolving entities", "indexing for search", "fusing across sources", "indexing for the server"]
    # Without the fusion cap, those steps run under `store.memory_limit`.
    opened.clear()
    unset = Settings(values={**values, "store": {"memory_limit": "300MB", "stream_memory_limit": "150MB"}},
                     extra_files=settings.extra_files)
    more = tmp_path / "more"
    more.mkdir()
    (more / "new.txt").write_text(article(11), encoding="utf-8")
    assert build([more], db=tmp_path / "s.duckdb", settings=unset, executor=executor).ok == 1
    assert opened == [("store.stream_memory_limit", "143.0 MiB"), ("store.memory_limit", "286.1 MiB")]
    # A build that stores nothing new needs neither the fusion nor the indexes.
    again = build([corpus], db=tmp_path / "s.duckdb", settings=capped, executor=executor)
    assert [what for what, _ in again.steps] == ["documents", "resolving entities"]


def test_build_streams_with_its_own_checkpoint_threshold(
    tmp_path: Path, settings: Settings, executor: ModelsExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dossier.build

    opened: list[duckdb.DuckDBPyConnection] = []
    at_open: list[str] = []

    def spy(path: Path, **kwargs: object) -> duckdb.DuckDBPyConnection:
        con = open_store(path, **kwargs)  # type: ignore[arg-type]
        opened.append(con)
        at_open.append(threshold(con))
        return con

    def threshold(con: duckdb.DuckDBPyConnection) -> str:
        row = con.execute("SELECT current_setting('checkpoint_threshold')").fetchone()
        return str(row[0] if row else "")

    monkeypatch.setattr(dossier.build, "open_store", spy)
    store = {**settings.values.get("store", {}), "stream_checkpoint_threshold": "48MB"}
    custom = Settings(values={**settings.values, "store": store}, extra_files=settings.extra_files)
    while_streaming: list[str] = []
    corpus = write_corpus(tmp_path / "corpus", n_text=2)
    report = build([corpus], db=tmp_path / "s.duckdb", settings=custom, executor=executor,
                   progress=lambda _: while_streaming.append(threshold(opened[0])))
    assert report.ok >= 2
    # Set on the streaming connection (DuckDB reports 48MB as MiB); the end-of-build steps'
    # connection opens with DuckDB's default.
    assert while_streaming and set(while_streaming) == {"45.7 MiB"}
    assert at_open == ["16.0 MiB", "16.0 MiB"]
    # A value that is not a size is refused before any document is read, naming the setting.
    bad = Settings(values={**settings.values, "store": {**store, "stream_checkpoint_threshold": "lots"}},
                   extra_files=settings.extra_files)
    more = tmp_path / "more"
    more.mkdir()
    (more / "new.txt").write_text(article(11), encoding="utf-8")
    with pytest.raises(StoreError, match=re.escape("store.stream_checkpoint_threshold 'lots'")):
        build([more], db=tmp_path / "s.duckdb", settings=bad, executor=executor)
    # What the first build stored is all there.
    assert table_counts(tmp_path / "s.duckdb")["documents"] == report.store_documents


def test_build_writes_arrow_rows_with_the_c_allocator_and_restores_the_pool(
    tmp_path: Path, settings: Settings, executor: ModelsExecutor
) -> None:
    # pyarrow's default allocator kept the freed memory of the rows written resident.
    import pyarrow as pa

    before = pa.default_memory_pool().backend_name
    during: list[str] = []
    corpus = write_corpus(tmp_path / "corpus", n_text=2)
    build([corpus], db=tmp_path / "s.duckdb", settings=settings, executor=executor,
          progress=lambda _: during.append(pa.default_memory_pool().backend_name))
    assert during and set(during) == {"system"}
    assert pa.default_memory_pool().backend_name == before


def test_build_names_a_bad_stream_cap(tmp_path: Path, settings: Settings, executor: ModelsExecutor) -> None:
    values = {**settings.values, "store": {"stream_memory_limit": "lots"}}
    with pytest.raises(StoreError, match=r"store\.stream_memory_limit 'lots': .*use a size such as '1GB'"):
        build([write_corpus(tmp_path / "corpus", n_text=1)], db=tmp_path / "s.duckdb",
              settings=Settings(values=values, extra_files=settings.extra_files), executor=executor)


@pytest.mark.parametrize("cap", ["stream_memory_limit", "fusion_memory_limit"])
def test_build_out_of_its_memory_cap_names_the_cap_and_keeps_what_was_stored(
    tmp_path: Path, settings: Settings, executor: ModelsExecutor, cap: str
) -> None:
    # Running the build again under the same cap would fail again: the error must say which
    # setting to raise (the streaming cap, or the end-of-build steps' own), and the documents
    # of earlier builds stay, with those streamed before the end steps ran out.
    db = tmp_path / "s.duckdb"
    first = build([write_corpus(tmp_path / "first", n_text=1, with_bad=False)], db=db, settings=settings,
                  executor=executor)
    stored = table_counts(db)["documents"]
    assert first.ok == stored > 0
    values = {**settings.values, "store": {**settings.values["store"], cap: "1MB"}}
    capped = Settings(values=values, extra_files=settings.extra_files)
    with pytest.raises(StoreError, match=rf"ran out of DuckDB's memory cap, `store\.{cap}` = '1MB'.*"
                                         rf"raise `store\.{cap}`"):
        build([write_corpus(tmp_path / "second", n_text=3, with_bad=False)], db=db, settings=capped,
              executor=executor)
    if cap == "stream_memory_limit":
        assert table_counts(db)["documents"] == stored
    else:
        assert table_counts(db)["documents"] > stored
