"""The writer's memory stays bounded: a capped DuckDB buffer pool, Parquet spools streamed,
no whole-row window when the batch has one row per document; results unchanged."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from warehouse.batch import batch_from_rows
from warehouse.store import Warehouse, temp_dir

FIXTURES = Path(__file__).parent / "fixtures" / "warehouse"
DATA_TABLES = ("pages", "documents", "reports", "metrics", "document_metrics", "checks", "parses")


def fixture_rows() -> dict:
    return json.loads((FIXTURES / "batch.json").read_text(encoding="utf-8"))


RUN_COLUMNS = {"pages": "run_id", "documents": "run_id", "parses": "run_id",
               "reports": "first_run_id"}


def dump(db: Path) -> dict:
    """Every data table's rows, sorted, without the run ids (they differ between runs)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: sorted(map(repr, con.execute(
                    f"SELECT * EXCLUDE ({RUN_COLUMNS[t]}) FROM {t}" if t in RUN_COLUMNS
                    else f"SELECT * FROM {t}").fetchall()))
                for t in DATA_TABLES}
    finally:
        con.close()


def load(db: Path, batch, **kw) -> None:
    with Warehouse(db, **kw) as wh:
        wh.load(wh.start_run("harvest", {}), batch)


def setting(wh: Warehouse, name: str):
    return wh.con.execute(f"SELECT current_setting('{name}')").fetchone()[0]


def test_writer_connection_has_the_memory_cap(tmp_path):
    with Warehouse(tmp_path / "w.duckdb", memory_limit="300MB") as wh:
        capped = setting(wh, "memory_limit")
    assert capped == duckdb.connect().execute(
        "SET memory_limit = '300MB'; SELECT current_setting('memory_limit')").fetchone()[0]


def test_writer_spills_beside_the_database(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        assert setting(wh, "temp_directory") == str(temp_dir(tmp_path / "w.duckdb"))


def test_spill_directory_is_removed_on_close(tmp_path):
    db = tmp_path / "w.duckdb"
    with Warehouse(db):
        temp_dir(db).mkdir()
    assert not temp_dir(db).exists()


def test_parquet_files_load_like_arrow_tables(tmp_path):
    rows = fixture_rows()
    arrow_batch = batch_from_rows(**rows)
    files = {}
    for name in ("pages", "documents", "document_metrics", "checks", "parses"):
        files[name] = tmp_path / f"{name}.parquet"
        pq.write_table(getattr(arrow_batch, name), files[name])
    file_batch = batch_from_rows(**rows)
    for name, path in files.items():
        setattr(file_batch, name, path)
    load(tmp_path / "a.duckdb", arrow_batch)
    load(tmp_path / "b.duckdb", file_batch)
    assert dump(tmp_path / "b.duckdb") == dump(tmp_path / "a.duckdb")


def test_a_document_twice_in_one_batch_keeps_its_earliest_fetch(tmp_path):
    rows = fixture_rows()
    first = next(d for d in rows["documents"] if d["doc_id"] == "d1")
    later = dict(first, fetched_at="2099-01-01T00:00:00", title="a later fetch")
    rows["documents"] = [later] + rows["documents"]
    load(tmp_path / "w.duckdb", batch_from_rows(**rows))
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    assert con.execute("SELECT title FROM documents WHERE doc_id = 'd1'").fetchall() == [(first["title"],)]


@pytest.fixture
def oversized(tmp_path):
    """A batch whose one text does not fit under a 4 MB cap."""
    rows = fixture_rows()
    rows["documents"][0]["text"] = "年" * 4_000_000
    return batch_from_rows(**rows)


def test_a_load_over_the_cap_is_retried_without_it(tmp_path, oversized):
    with Warehouse(tmp_path / "w.duckdb", memory_limit="4MB") as wh:
        counts = wh.load(wh.start_run("harvest", {}), oversized)
    assert counts["documents_new"] == 4


def test_a_load_over_the_cap_is_retried_after_an_earlier_spill(tmp_path, oversized):
    """A warehouse whose queries already spilled to its temporary directory still retries."""
    with Warehouse(tmp_path / "w.duckdb", memory_limit="4MB") as wh:
        wh.con.execute("CREATE TEMP TABLE spilled AS SELECT repeat('a', 1000) AS s FROM range(20000)")
        assert any(temp_dir(tmp_path / "w.duckdb").iterdir())  # it did spill
        counts = wh.load(wh.start_run("harvest", {}), oversized)
    assert counts["documents_new"] == 4


def test_the_cap_is_back_after_a_retried_load(tmp_path, oversized):
    with Warehouse(tmp_path / "w.duckdb", memory_limit="4MB") as wh:
        before = setting(wh, "memory_limit")
        wh.load(wh.start_run("harvest", {}), oversized)
        assert setting(wh, "memory_limit") == before
