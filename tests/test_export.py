"""`govreports export`: every table and view of the published snapshot as Parquet or CSV, read
back by DuckDB with the same row counts. A real warehouse file loaded from the fixture batch."""
from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import duckdb
import pytest

from conftest import CLI
from warehouse.batch import batch_from_rows
from warehouse.store import Warehouse, snapshot_path

FIXTURES = Path(__file__).parent / "fixtures" / "warehouse"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    db = tmp_path_factory.mktemp("export") / "w.duckdb"
    rows = json.loads((FIXTURES / "batch.json").read_text(encoding="utf-8"))
    with Warehouse(db) as wh:
        run = wh.start_run("harvest", {"portals": ["a"]})
        wh.load(run, batch_from_rows(**rows))
        wh.record_portals(run, {"a": {"status": "ok", "pages_fetched": 3, "errors": 0}})
        wh.finish_run(run, "ok", timings={"crawl": 1.5})
        wh.publish()
    con = duckdb.connect(str(snapshot_path(db)), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()]
        counts = {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        con.close()
    return {"db": db, "counts": counts}


def _export(db: Path, out: Path, *args: str):
    return subprocess.run([str(CLI), "export", str(out), "--db", str(db), *args],
                          capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def parquet(warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("parquet")
    proc = _export(warehouse["db"], out)
    assert proc.returncode == 0, proc.stderr.decode()
    return out


def test_every_table_and_view_is_a_parquet_file(warehouse, parquet):
    assert sorted(p.stem for p in parquet.glob("*.parquet")) == sorted(warehouse["counts"])


def test_duckdb_reads_the_parquet_back_with_the_same_row_counts(warehouse, parquet):
    con = duckdb.connect()
    counts = {p.stem: con.execute(f"SELECT count(*) FROM read_parquet('{p}')").fetchone()[0]
              for p in parquet.glob("*.parquet")}
    assert counts == warehouse["counts"]


def test_the_fixture_warehouse_is_not_empty(warehouse):
    assert warehouse["counts"]["reports"] > 0 and warehouse["counts"]["metrics"] > 0


def test_parquet_keeps_column_values(warehouse, parquet):
    con = duckdb.connect()
    ours = con.execute(f"SELECT report_id, key, value FROM read_parquet('{parquet / 'metrics.parquet'}') "
                       "ORDER BY ALL").fetchall()
    snap = duckdb.connect(str(snapshot_path(warehouse["db"])), read_only=True)
    try:
        theirs = snap.execute("SELECT report_id, key, value FROM metrics ORDER BY ALL").fetchall()
    finally:
        snap.close()
    assert ours == theirs


def test_csv_has_a_header_and_every_row(warehouse, tmp_path):
    assert _export(warehouse["db"], tmp_path, "--format", "csv").returncode == 0
    with open(tmp_path / "reports.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert (rows[0][0], len(rows) - 1) == ("report_id", warehouse["counts"]["reports"])


def test_export_without_a_warehouse_is_one_line(tmp_path):
    proc = _export(tmp_path / "none.duckdb", tmp_path / "out")
    err = proc.stderr.decode()
    assert (proc.returncode, len(err.strip().splitlines()), "Traceback" in err) == (2, 1, False)
